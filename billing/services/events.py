"""Webhook events: stored first (unique Stripe id), processed exactly once, replayable."""

import logging
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from billing import gateway
from billing.exceptions import WebhookProcessingError
from billing.models import WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)


def from_timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


@dataclass(frozen=True)
class StoredEvent:
    """What the endpoint needs to answer: the row's id, its status, and whether this delivery stored it."""

    pk: int
    status: str
    created: bool


# Stored this long ago and still received: its task was never enqueued (broker down) or was lost.
PICKUP_AFTER = timedelta(minutes=2)
PICKUP_BATCH = 500

_INSERT_COLUMNS = (
    "stripe_event_id",
    "type",
    "api_version",
    "livemode",
    "stripe_created",
    "payload",
    "status",
    "attempts",
    "last_error",
    "note",
    "received_at",
)


def _insert_if_new(event: dict) -> int | None:
    """One ``INSERT ... ON CONFLICT (stripe_event_id) DO NOTHING RETURNING id``: the new row's id, or None
    when a row with this Stripe id exists. PostgreSQL and SQLite (>= 3.35) both speak it; in autocommit
    it is one round trip and its own commit, where get_or_create needed SELECT, SAVEPOINT, INSERT, RELEASE
    and COMMIT."""
    fields = {name: WebhookEvent._meta.get_field(name) for name in _INSERT_COLUMNS}
    values = {
        "stripe_event_id": event["id"],
        "type": event["type"],
        "api_version": event.get("api_version") or "",
        "livemode": bool(event.get("livemode")),
        "stripe_created": from_timestamp(event["created"]),
        "payload": event,
        "status": WebhookEventStatus.RECEIVED,
        "attempts": 0,
        "last_error": "",
        "note": "",
        "received_at": timezone.now(),
    }
    params = [fields[name].get_db_prep_save(values[name], connection) for name in _INSERT_COLUMNS]
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(fields[name].column) for name in _INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
    conflict = connection.ops.quote_name("stripe_event_id")
    # Names come from the model, every value is a bound parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({conflict}) DO NOTHING"  # noqa: S608
    sql += " RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def webhook_event_store(*, event: dict) -> StoredEvent:
    """Store a verified event once and enqueue its processing; a duplicate delivery enqueues nothing.

    The unique Stripe id decides: two deliveries at the same moment both try the insert, one gets the row,
    the other none (and reads the winner's status). Not atomic on purpose: in the endpoint's autocommit
    the insert commits at once and the enqueue follows; inside a transaction (the reconciler, tests) the
    enqueue waits for the commit. A broker that cannot be reached loses nothing: the row stays received
    and webhook_events_pickup() enqueues it later.
    """
    if connection.vendor in ("postgresql", "sqlite"):
        pk = _insert_if_new(event)
    else:  # another database: the ORM's get_or_create, same guarantee through the unique index
        with transaction.atomic():
            row, created = WebhookEvent.objects.get_or_create(
                stripe_event_id=event["id"],
                defaults={
                    "type": event["type"],
                    "api_version": event.get("api_version") or "",
                    "livemode": bool(event.get("livemode")),
                    "stripe_created": from_timestamp(event["created"]),
                    "payload": event,
                },
            )
        pk = row.pk if created else None
    if pk is None:
        existing = WebhookEvent.objects.filter(stripe_event_id=event["id"]).values_list("pk", "status").first()
        existing_pk, status = existing or (0, WebhookEventStatus.RECEIVED)
        return StoredEvent(pk=existing_pk, status=status, created=False)
    transaction.on_commit(lambda: webhook_event_enqueue(event_pk=pk))
    return StoredEvent(pk=pk, status=WebhookEventStatus.RECEIVED, created=True)


# Where the endpoint hands stored events to the worker when the broker is Redis: a plain list of row ids that
# drain tasks pop. One LPUSH per delivery instead of a Celery message (signature, headers, envelope, and a
# worker that opens a database connection per task): the drain works through the list on one connection.
QUEUE_KEY = "billing:webhook-events"
# A push that makes the list this long starts a drain: the first event after an idle spell, and a second
# drain (the worker has two processes) once a backlog builds up, at most once per DRAIN_SECONDS (a backlog
# hovering around that length would otherwise start one per crossing).
DRAIN_START_AT = (1, 32)
SECOND_DRAIN_KEY = "billing:webhook-events:second-drain"
# A drain hands over to a fresh one after this long: well inside CELERY_TASK_TIME_LIMIT, a short wait for a warm
# shutdown, and emails queued behind a drain wait no longer than this.
DRAIN_SECONDS = 20
RETRY_AFTER_SECONDS = 30


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def webhook_queue() -> redis.Redis | None:
    """The broker's Redis when the worker runs apart (production, the bench); None where tasks run in the
    calling process (tests) or on another broker (the demo's filesystem broker): one Celery task per event."""
    url = settings.CELERY_BROKER_URL or ""
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return _redis_for(url)


def webhook_event_enqueue(*, event_pk: int) -> bool:
    """Hand one stored event to the worker; False (logged, never raised) when the broker cannot take it.

    The event is already committed, so a failed enqueue only delays it: webhook_events_pickup() finds it.
    With Redis it is one LPUSH of the id, and a drain task is started only when the push makes the list
    1 long, or 32 long once a minute (the drains already running take the rest).
    """
    from billing.tasks import drain_webhook_events, process_webhook_event

    queue = webhook_queue()
    try:
        if queue is None:
            process_webhook_event.delay(event_pk)
        else:
            length = queue.lpush(QUEUE_KEY, event_pk)
            first, backlog = DRAIN_START_AT
            if length == first or (length == backlog and queue.set(SECOND_DRAIN_KEY, 1, nx=True, ex=DRAIN_SECONDS)):
                drain_webhook_events.delay()
    except Exception:  # kombu/redis errors vary by transport; the row is safe, the pickup retries
        logger.warning("Could not enqueue Stripe event %s; the pickup job will", event_pk, exc_info=True)
        return False
    return True


def webhook_events_drain(*, max_seconds: float = DRAIN_SECONDS) -> int:
    """Process queued events (oldest first) until the list is empty or ``max_seconds`` have passed.

    Several drains may run at once: each pops its own ids. An id popped by a drain that dies before
    processing it is not lost: its row stays received and webhook_events_pickup() enqueues it again. A
    failing event is recorded failed and retried by its own task with backoff; the drain goes on.
    Returns how many ids it took.
    """
    from billing.tasks import drain_webhook_events, process_webhook_event

    queue = webhook_queue()
    if queue is None:
        return 0
    deadline = time.monotonic() + max_seconds
    taken = 0
    while time.monotonic() < deadline:
        raw = queue.rpop(QUEUE_KEY)
        if raw is None:
            return taken
        taken += 1
        if not raw.isdigit():
            continue
        if not connection.in_atomic_block:  # inside a caller's transaction (tests) the connection is not ours
            close_old_connections()  # what a request does: honour CONN_MAX_AGE, drop a broken connection
        try:
            webhook_event_process(event_pk=int(raw))
        except WebhookEvent.DoesNotExist:
            logger.warning("Queued Stripe event %s has no row; skipped", raw)
        except Exception:  # recorded on the row when the handler failed; retried by its own task
            logger.warning("Stripe event %s failed in the drain; retrying it on its own", raw, exc_info=True)
            process_webhook_event.apply_async((int(raw),), countdown=RETRY_AFTER_SECONDS)
    if queue.llen(QUEUE_KEY):
        drain_webhook_events.delay()  # the time is up, not the work: a fresh drain continues
    return taken


def webhook_events_pickup(*, older_than: timedelta = PICKUP_AFTER, limit: int = PICKUP_BATCH) -> int:
    """Enqueue stored events still received after ``older_than``: their task was never sent or was lost.

    Safe to overlap with the original task: processing locks the row and skips a processed event.
    Returns how many were enqueued.
    """
    cutoff = timezone.now() - older_than
    pks = list(
        WebhookEvent.objects.filter(status=WebhookEventStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = 0
    for pk in pks:
        if not webhook_event_enqueue(event_pk=pk):
            break  # the broker is still down: try again at the next run
        enqueued += 1
    if pks:
        logger.warning("Picked up %s of %s stored Stripe events that were never processed", enqueued, len(pks))
    _drain_if_queued()
    return enqueued


def _drain_if_queued() -> None:
    """Start a drain when ids wait in the queue (a drain's task was lost): they never wait more than a run."""
    from billing.tasks import drain_webhook_events

    queue = webhook_queue()
    try:
        if queue is not None and queue.llen(QUEUE_KEY):
            drain_webhook_events.delay()
    except Exception:  # Redis still down: the next run tries again
        logger.warning("Could not start a drain of queued Stripe events", exc_info=True)


def rendered_elsewhere(event: dict) -> bool:
    """True when the event's object was rendered at another API version than the pinned one.

    Stripe renders a webhook at the endpoint's version, and the Events API returns each event at the version
    of its creation, whatever version the request pins: such a payload's shapes cannot be trusted here.
    """
    version = event.get("api_version") or ""
    return bool(version) and version != gateway.API_VERSION


def event_at_pinned_version(event: dict) -> tuple[dict, str]:
    """The event as the handlers may read it: as received when its version is ours, else with its object
    re-read from Stripe at the pinned version (the object as it is now, which is newer than the event)."""
    if not rendered_elsewhere(event):
        return event, ""
    stale = event["data"]["object"]
    logger.warning(
        "Stripe event %s is at API version %s; re-reading its object", event.get("id"), event.get("api_version")
    )
    fresh = gateway.as_json(gateway.object_retrieve(object_type=stale.get("object", ""), object_id=stale.get("id", "")))
    refreshed = {**event, "api_version": gateway.API_VERSION, "data": {**event["data"], "object": fresh}}
    return refreshed, f"Rendered at {event.get('api_version')}: {fresh.get('object')} re-read at {gateway.API_VERSION}."


def webhook_event_process(*, event_pk: int) -> str:
    """Run the handler for one stored event, exactly once.

    The row lock serialises workers that got the same event; a processed or ignored event is left
    alone, so a task that runs twice does nothing the second time. A failing handler's changes roll
    back while the error record commits, then WebhookProcessingError asks the task to retry.
    A type no app handles is ignored at any API version; a handled event rendered at another version
    (a webhook endpoint set to another version, the Events API's old events) is applied from its object
    re-read at the pinned version, never from the payload's own shapes.
    """
    from billing.handlers import HANDLERS, Outcome, dispatch

    failure = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED):
            return event.status
        event.attempts += 1
        try:
            if not HANDLERS.get(event.type):
                outcome = Outcome(ignored=True, note="Event type not handled by this site.")
            else:
                payload, version_note = event_at_pinned_version(event.payload)
                with transaction.atomic():
                    outcome = dispatch(payload)
                if version_note:
                    outcome = Outcome(ignored=outcome.ignored, note=f"{version_note} {outcome.note}".strip())
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
        # Never the payload: rewriting a few kilobytes of jsonb per event cost more than the handlers' writes.
        event.save(update_fields=["status", "attempts", "last_error", "note", "processed_at"])
    if failure is not None:
        raise WebhookProcessingError(str(failure)) from failure
    return event.status


def webhook_event_replay(*, event: WebhookEvent) -> None:
    """Staff replay: a failed event goes back to received and is processed again after commit (an event
    rendered at another API version is then applied from its object re-read at the pinned version)."""
    from billing.tasks import process_webhook_event

    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEventStatus.RECEIVED)
        transaction.on_commit(lambda: process_webhook_event.delay(event.pk))
