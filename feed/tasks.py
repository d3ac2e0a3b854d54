"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from feed.services import (
    activity_digest_author_ids,
    activity_digest_send,
    announcement_emails_send,
    announcement_notify,
)


@shared_task(acks_late=True)
def send_activity_digests() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): one digest task per author with news; returns how many were queued."""
    author_ids = activity_digest_author_ids()
    for author_id in author_ids:
        send_activity_digest.delay(author_id)
    return len(author_ids)


@shared_task(acks_late=True)
def send_activity_digest(user_id: int) -> int:
    return activity_digest_send(user_id=user_id)


@shared_task(acks_late=True)
def announcement_published(announcement_id: int, email: bool = False) -> int:
    """Tell the club about a new announcement in the site and, when the leader asked, by email (each once).

    Both steps are idempotent (notifications deduplicate per announcement; deliveries are unique per member),
    so a retried or duplicated task tells nobody twice. Returns how many emails this run sent.
    """
    announcement_notify(announcement_id=announcement_id)
    return announcement_emails_send(announcement_id=announcement_id) if email else 0
