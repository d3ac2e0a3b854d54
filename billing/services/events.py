"""Webhook events: stored first (unique Stripe id), processed exactly once, replayable."""

import logging
import traceback
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from billing import gateway
from billing.exceptions import WebhookProcessingError
from billing.models import WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)


def from_timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def webhook_event_store(*, event: dict, raw: dict) -> tuple[WebhookEvent, bool]:
    """Store a verified event once; a duplicate delivery returns the stored row and enqueues nothing.

    get_or_create is safe against two deliveries at the same moment: the unique Stripe id lets one
    insert win, and the other reads the winner's row.
    """
    from billing.tasks import process_webhook_event

    api_version = event.get("api_version") or ""
    defaults = {
        "type": event["type"],
        "api_version": api_version,
        "livemode": bool(event.get("livemode")),
        "stripe_created": from_timestamp(event["created"]),
        "payload": raw,
    }
    if api_version and api_version != gateway.API_VERSION:
        # Shapes differ between versions: keep it visible to staff instead of misreading it.
        defaults.update(
            status=WebhookEventStatus.FAILED,
            last_error=f"API version {api_version} differs from the pinned {gateway.API_VERSION}; "
            "set the webhook endpoint's version in the Stripe dashboard, then replay.",
        )
    with transaction.atomic():
        stored, created = WebhookEvent.objects.get_or_create(stripe_event_id=event["id"], defaults=defaults)
        if created and stored.status == WebhookEventStatus.RECEIVED:
            transaction.on_commit(lambda: process_webhook_event.delay(stored.pk))
    return stored, created


def webhook_event_process(*, event_pk: int) -> str:
    """Run the handler for one stored event, exactly once.

    The row lock serialises workers that got the same event; a processed or ignored event is left
    alone, so a task that runs twice does nothing the second time. A failing handler's changes roll
    back while the error record commits, then WebhookProcessingError asks the task to retry.
    """
    from billing.handlers import dispatch

    failure = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED):
            return event.status
        event.attempts += 1
        try:
            with transaction.atomic():
                outcome = dispatch(event.payload)
        except Exception as error:  # any handler failure is recorded, never lost
            failure = error
            event.status = WebhookEventStatus.FAILED
            event.last_error = traceback.format_exc()[-8000:]
            logger.exception("Stripe event %s (%s) failed", event.stripe_event_id, event.type)
        else:
            event.status = WebhookEventStatus.IGNORED if outcome.ignored else WebhookEventStatus.PROCESSED
            event.note = outcome.note[:255]
            event.last_error = ""
            event.processed_at = timezone.now()
        event.save()
    if failure is not None:
        raise WebhookProcessingError(str(failure)) from failure
    return event.status


def webhook_event_replay(*, event: WebhookEvent) -> None:
    """Staff replay: a failed event goes back to received and is processed again after commit."""
    from billing.tasks import process_webhook_event

    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEventStatus.RECEIVED)
        transaction.on_commit(lambda: process_webhook_event.delay(event.pk))
