"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from notifications.selectors import digest_user_ids
from notifications.services import digest_send, notification_email_send


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """The immediate emails of one send; each notification is claimed before it goes, so a rerun sends none twice."""
    return sum(notification_email_send(notification_id=notification_id) for notification_id in notification_ids)


@shared_task(acks_late=True)
def send_notification_digests() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE, daily): one digest task per person with news; returns how many were queued."""
    user_ids = digest_user_ids()
    for user_id in user_ids:
        send_notification_digest.delay(user_id)
    return len(user_ids)


@shared_task(acks_late=True)
def send_notification_digest(user_id: int) -> int:
    return digest_send(user_id=user_id)
