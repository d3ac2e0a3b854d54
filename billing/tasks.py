"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from billing.exceptions import WebhookProcessingError
from billing.services.events import webhook_event_process
from billing.services.notifications import payment_failed_notify
from billing.services.reconcile import stripe_reconcile

WEBHOOK_MAX_RETRIES = 8


@shared_task(bind=True, acks_late=True, max_retries=WEBHOOK_MAX_RETRIES)
def process_webhook_event(self, event_pk: int) -> str:
    try:
        return webhook_event_process(event_pk=event_pk)
    except WebhookProcessingError as error:
        if self.request.is_eager:
            # In-process mode has no broker to wait on: the event stays failed and replayable.
            return "failed"
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600)) from error


@shared_task(acks_late=True)
def send_payment_failed_email(invoice_pk: int) -> bool:
    return payment_failed_notify(invoice_pk=invoice_pk)


@shared_task(acks_late=True)
def reconcile_stripe() -> dict:
    """Nightly: store missed events and correct subscriptions that disagree with Stripe."""
    return stripe_reconcile().__dict__
