"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from events.services.changes import event_change_notify
from events.services.notifications import (
    event_reminders_send,
    moved_to_waitlist_notify,
    occurrence_cancellation_notify,
    waitlist_promotion_notify,
)


@shared_task(acks_late=True)
def send_event_reminders() -> int:
    """Every few minutes from beat: the 24-hour and 1-hour reminders that are due."""
    return event_reminders_send()


@shared_task(acks_late=True)
def send_event_change_notices(change_pk: int) -> int:
    """A change of date, time or place, or a cancellation: once per occurrence and SEQUENCE."""
    return event_change_notify(change_pk=change_pk)


@shared_task(acks_late=True)
def send_event_cancellation_emails(occurrence_pk: int) -> int:
    """Kept for messages queued before change notices existed; new cancellations use send_event_change_notices."""
    return occurrence_cancellation_notify(occurrence_pk=occurrence_pk)


@shared_task(acks_late=True)
def send_waitlist_promotion_email(rsvp_pk: int) -> bool:
    return waitlist_promotion_notify(rsvp_pk=rsvp_pk)


@shared_task(acks_late=True)
def send_moved_to_waitlist_email(rsvp_pk: int) -> bool:
    return moved_to_waitlist_notify(rsvp_pk=rsvp_pk)
