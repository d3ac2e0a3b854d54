"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from automations.models import AutomationKind
from automations.services.delivery import automation_send_deliver, pending_sends_retry
from automations.services.triggers import automation_run_kind, automations_run
from clubs.models import Club


@shared_task(acks_late=True)
def run_automations() -> dict:
    """Celery beat, hourly: claim every due message of every club, then record conversions."""
    claimed = automations_run()
    pending_sends_retry()
    return claimed


@shared_task(acks_late=True)
def run_welcome(club_id: int) -> int:
    """A membership of this club just started: claim its welcome now (once; the hourly run would find it too)."""
    club = Club.objects.filter(pk=club_id).first()
    return automation_run_kind(club=club, kind=AutomationKind.WELCOME) if club else 0


@shared_task(acks_late=True)
def deliver_automation_send(send_pk: int) -> str:
    return automation_send_deliver(send_pk=send_pk)
