"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from billing.exceptions import WebhookProcessingError
from billing.services.events import webhook_event_process, webhook_events_drain, webhook_events_pickup
from billing.services.notifications import activation_notify, payment_failed_notify
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


@shared_task
def drain_webhook_events() -> int:
    """Process the events the endpoint queued in Redis (billing/services/events.py); safe to run several at once,
    and a drain killed mid-way loses no event (each row stays received until the pickup enqueues it)."""
    return webhook_events_drain()


@shared_task(acks_late=True)
def send_payment_failed_email(invoice_pk: int) -> bool:
    return payment_failed_notify(invoice_pk=invoice_pk)


@shared_task(acks_late=True)
def send_activation_email(status_change_pk: int) -> bool:
    return activation_notify(status_change_pk=status_change_pk)


@shared_task(acks_late=True)
def reconcile_stripe() -> dict:
    """Nightly: store missed events and correct subscriptions that disagree with Stripe."""
    return stripe_reconcile().__dict__


@shared_task
def pickup_webhook_events() -> int:
    """Every minute: enqueue stored events that never reached the broker (it was down) or whose task was lost."""
    return webhook_events_pickup()
