"""The cheap hand-over of stored events to the worker (issue 20): one LPUSH of the row id on the broker's Redis,
drain tasks that pop and process, and every guarantee of the Celery path kept (duplicates once, nothing lost
when Redis is down or a drain dies). Needs a Redis on 127.0.0.1:6379 (CI has one); skipped elsewhere."""

import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from billing import handlers
from billing.models import WebhookEvent, WebhookEventStatus
from billing.services import events
from billing.tasks import drain_webhook_events, process_webhook_event
from tests.billing.stripe_events import stripe_event

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"
OBJECT = {"id": "cus_queue", "object": "customer"}


@pytest.fixture
def queue(settings, monkeypatch):
    """The broker is this Redis and the worker runs apart; a key of this test's own."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("No Redis on 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    key = f"test-webhook-events-{uuid.uuid4().hex}"
    monkeypatch.setattr(events, "QUEUE_KEY", key)
    yield client, key
    client.delete(key)


@pytest.fixture
def drains(monkeypatch):
    """Drain tasks started, recorded instead of sent (the test runs the drain itself)."""
    started = []
    monkeypatch.setattr(drain_webhook_events, "delay", lambda: started.append(1))
    return started


@pytest.fixture
def applied(monkeypatch):
    calls = []
    monkeypatch.setitem(
        handlers.HANDLERS, "customer.created", [lambda event: calls.append(event["id"]) or handlers.Outcome()]
    )
    return calls


def _deliver(post_event, capture, event):
    with capture(execute=True):
        response = post_event(event)
    assert response.status_code == 200
    return response


def test_a_delivery_is_one_push_of_its_id_and_a_drain_processes_in_arrival_order(
    queue, drains, applied, post_event, django_capture_on_commit_callbacks, monkeypatch
):
    client, key = queue
    sent = []
    monkeypatch.setattr(process_webhook_event, "delay", lambda pk: sent.append(pk))
    posted = [stripe_event("customer.created", OBJECT) for _ in range(3)]
    for event in posted:
        _deliver(post_event, django_capture_on_commit_callbacks, event)
    _deliver(post_event, django_capture_on_commit_callbacks, posted[0])  # a second delivery pushes nothing

    rows = {row.stripe_event_id: row.pk for row in WebhookEvent.objects.all()}
    assert client.lrange(key, 0, -1) == [str(rows[event["id"]]).encode() for event in reversed(posted)]
    assert drains == [1] and sent == []  # one drain, started by the push that found the list empty

    assert events.webhook_events_drain() == 3
    assert applied == [event["id"] for event in posted]
    assert set(WebhookEvent.objects.values_list("status", "attempts")) == {(WebhookEventStatus.PROCESSED, 1)}
    assert client.llen(key) == 0


def test_a_backlog_starts_a_second_drain_and_no_more(queue, drains, post_event, django_capture_on_commit_callbacks):
    for _ in range(events.DRAIN_START_AT[1] + 5):
        _deliver(post_event, django_capture_on_commit_callbacks, stripe_event("customer.created", OBJECT))
    assert len(drains) == 2


def test_event_stored_while_redis_is_down_is_processed_after_the_pickup(
    queue, drains, applied, settings, post_event, django_capture_on_commit_callbacks
):
    client, key = queue
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    event = stripe_event("customer.created", OBJECT)
    response = _deliver(post_event, django_capture_on_commit_callbacks, event)
    assert response.json()["status"] == "received"  # stored and acknowledged: Stripe need not retry
    stored = WebhookEvent.objects.get()
    assert events.webhook_events_pickup(older_than=timedelta(0)) == 0  # still down: nothing lost, retried later

    settings.CELERY_BROKER_URL = REDIS_URL
    WebhookEvent.objects.filter(pk=stored.pk).update(received_at=timezone.now() - timedelta(minutes=3))
    assert events.webhook_events_pickup() == 1
    assert client.lrange(key, 0, -1) == [str(stored.pk).encode()] and drains
    assert events.webhook_events_drain() == 1
    stored.refresh_from_db()
    assert (stored.status, stored.attempts, applied) == (WebhookEventStatus.PROCESSED, 1, [event["id"]])


def test_ids_a_lost_drain_left_in_the_queue_get_a_drain_from_the_pickup(queue, drains):
    client, key = queue
    client.lpush(key, 12345)
    assert events.webhook_events_pickup() == 0
    assert drains == [1]
    assert events.webhook_events_drain() == 1  # an id without a row (its database was reset) is skipped


def test_id_popped_by_a_drain_that_died_is_enqueued_again_by_the_pickup(
    queue, drains, applied, post_event, django_capture_on_commit_callbacks
):
    client, key = queue
    _deliver(post_event, django_capture_on_commit_callbacks, stripe_event("customer.created", OBJECT))
    client.rpop(key)  # the drain took it and was killed before processing
    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEventStatus.RECEIVED
    WebhookEvent.objects.filter(pk=stored.pk).update(received_at=timezone.now() - timedelta(minutes=3))

    assert events.webhook_events_pickup() == 1
    assert events.webhook_events_drain() == 1
    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.PROCESSED and len(applied) == 1


def test_a_failing_event_is_recorded_and_retried_by_its_own_task_while_the_drain_goes_on(
    queue, drains, post_event, django_capture_on_commit_callbacks, monkeypatch
):
    def fail(event):
        raise RuntimeError("handler broke")

    monkeypatch.setitem(handlers.HANDLERS, "customer.created", [fail])
    monkeypatch.setitem(handlers.HANDLERS, "customer.updated", [lambda event: handlers.Outcome()])
    retried = []
    monkeypatch.setattr(process_webhook_event, "apply_async", lambda args, countdown: retried.append((args, countdown)))
    _deliver(post_event, django_capture_on_commit_callbacks, stripe_event("customer.created", OBJECT))
    _deliver(post_event, django_capture_on_commit_callbacks, stripe_event("customer.updated", OBJECT))

    assert events.webhook_events_drain() == 2
    failed = WebhookEvent.objects.get(type="customer.created")
    assert failed.status == WebhookEventStatus.FAILED and "handler broke" in failed.last_error
    assert retried == [((failed.pk,), events.RETRY_AFTER_SECONDS)]
    assert WebhookEvent.objects.get(type="customer.updated").status == WebhookEventStatus.PROCESSED


def test_drain_hands_over_to_a_fresh_one_when_its_time_is_up(queue, drains):
    client, key = queue
    client.lpush(key, 1, 2)
    assert events.webhook_events_drain(max_seconds=0) == 0
    assert client.llen(key) == 2 and drains == [1]


def test_without_redis_each_event_is_its_own_celery_task(post_event, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(process_webhook_event, "delay", lambda pk: sent.append(pk))
    _deliver(post_event, django_capture_on_commit_callbacks, stripe_event("customer.created", OBJECT))
    assert sent == [WebhookEvent.objects.get().pk]
    assert events.webhook_events_drain() == 0


def test_webhook_posts_skip_the_session_auth_and_locale_middleware(post_event, client):
    response = post_event(stripe_event("customer.created", OBJECT))
    assert response.status_code == 200 and response["X-Request-ID"]  # the request id and its log line stay
    request = response.wsgi_request
    assert not hasattr(request, "session") and not hasattr(request, "user") and not hasattr(request, "club")
    assert "Vary" not in response  # no session cookie, no language negotiation
    assert client.get("/billing/webhooks/stripe/").status_code == 405  # other methods take the usual way
