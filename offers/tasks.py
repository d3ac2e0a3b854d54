"""Thin Celery wrappers: take ids, call a service, safe to run twice.

``send_offer_batch`` is routed to the "email" queue (CELERY_TASK_ROUTES). Every task acknowledges late
and is rejected back to the queue when its worker dies (CELERY_TASK_ACKS_LATE / REJECT_ON_WORKER_LOST);
what the broker itself loses, ``reconcile_offer_sends`` re-queues.
"""

from celery import shared_task

from offers.exceptions import BatchRetry
from offers.services.sending import (
    offer_batch_send,
    offer_send_resolve,
    offer_sends_reconcile,
    retry_delay,
)


@shared_task(acks_late=True)
def resolve_offer_send(send_id: int) -> int:
    return offer_send_resolve(send_id=send_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_offer_batch(self, batch_id: int) -> dict:
    try:
        return offer_batch_send(batch_id=batch_id).__dict__
    except BatchRetry as error:
        if self.request.is_eager:
            # In-process mode has no broker to wait on: the batch stays pending for the reconciler.
            return {"status": "retry", "error": str(error)}
        countdown = retry_delay(self.request.retries + 1).total_seconds()
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(acks_late=True)
def reconcile_offer_sends() -> dict:
    return offer_sends_reconcile().__dict__


@shared_task(acks_late=True)
def notify_newly_visible_offers() -> int:
    from offers.services.posting import offers_notify_newly_visible

    return offers_notify_newly_visible()
