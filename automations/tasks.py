"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from automations.services.delivery import automation_send_deliver, pending_sends_retry
from automations.services.triggers import automations_run


@shared_task(acks_late=True)
def run_automations() -> dict:
    """Celery beat, hourly: claim every due message of every club, then record conversions."""
    claimed = automations_run()
    pending_sends_retry()
    return claimed


@shared_task(acks_late=True)
def deliver_automation_send(send_pk: int) -> str:
    return automation_send_deliver(send_pk=send_pk)
