"""The lean acknowledgement path (issue 20): HMAC-only verification, one parse, one INSERT ... ON CONFLICT,
enqueue after it, and nothing lost when the broker cannot be reached."""

import json
import time
from datetime import timedelta

import pytest
import stripe
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from billing import gateway, handlers
from billing.models import WebhookEvent, WebhookEventStatus
from billing.services.events import webhook_events_pickup
from billing.tasks import pickup_webhook_events, process_webhook_event
from tests.billing.stripe_events import WEBHOOK_SECRET, signature_header, signed, stripe_event
from tests.billing.test_webhook_malformed import real_stripe_events

pytestmark = pytest.mark.django_db

OBJECT = {"id": "cus_lean", "object": "customer"}
BODY = json.dumps(stripe_event("customer.created", OBJECT)).encode()
NOW = int(time.time())


def _sdk_accepts(payload: bytes, header: str, secret: str) -> bool:
    """The reference: the Stripe SDK's own verification of the same header."""
    try:
        stripe.WebhookSignature.verify_header(payload.decode(), header, secret, gateway.SIGNATURE_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError:
        return False
    return True


def _ours_accepts(payload: bytes, header: str, secret: str) -> bool:
    try:
        gateway.signature_verify(payload=payload, signature_header=header, secret=secret)
    except gateway.InvalidWebhook:
        return False
    return True


HEADERS = {
    "valid": signature_header(BODY, WEBHOOK_SECRET),
    "rotation-new-second": signature_header(BODY, "whsec_old", WEBHOOK_SECRET),
    "rotation-new-first": signature_header(BODY, WEBHOOK_SECRET, "whsec_old"),
    "wrong-secret": signature_header(BODY, "whsec_forged"),
    "stale": signature_header(BODY, WEBHOOK_SECRET, timestamp=NOW - 301),
    "just-within-tolerance": signature_header(BODY, WEBHOOK_SECRET, timestamp=NOW - 250),
    "future": signature_header(BODY, WEBHOOK_SECRET, timestamp=NOW + 60),
    "empty": "",
    "no-timestamp": signature_header(BODY, WEBHOOK_SECRET).split(",", 1)[1],
    "no-v1": signature_header(BODY, WEBHOOK_SECRET).split(",", 1)[0],
    "v0-only": signature_header(BODY, WEBHOOK_SECRET).replace("v1=", "v0="),
    "truncated-signature": signature_header(BODY, WEBHOOK_SECRET)[:-2],
    "uppercase-hex": signature_header(BODY, WEBHOOK_SECRET).upper().replace("T=", "t=").replace("V1=", "v1="),
    "garbage": "t=abc,v1=zzz",
    "spaces": signature_header(BODY, WEBHOOK_SECRET).replace(",", ", "),
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_hmac_verification_agrees_with_the_stripe_sdk(header):
    assert _ours_accepts(BODY, header, WEBHOOK_SECRET) == _sdk_accepts(BODY, header, WEBHOOK_SECRET)


@pytest.mark.parametrize("header", ["t=1²,v1=ab", "t=1700000000,v1=é", "t=" + "9" * 40 + ",v1=ab"])
def test_odd_signature_headers_are_refused_not_500(client, header):
    client.raise_request_exception = False
    response = client.post(
        reverse("billing:stripe-webhook"), data=BODY, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def _sdk_event(body: bytes) -> dict:
    """The reference for what the endpoint stores: the SDK's event tree turned back into JSON (the old path)."""
    sdk = stripe.StripeClient("sk_test_reference")
    return gateway.as_json(sdk.construct_event(body, signature_header(body, WEBHOOK_SECRET), WEBHOOK_SECRET))


@pytest.mark.parametrize("event", real_stripe_events() or [stripe_event("customer.created", OBJECT)])
def test_parsed_event_equals_the_sdk_constructed_event(event):
    body = json.dumps(event).encode()
    ours = gateway.event_from_webhook(
        payload=body, signature_header=signature_header(body, WEBHOOK_SECRET), secret=WEBHOOK_SECRET
    )
    assert ours == _sdk_event(body)


def test_first_delivery_is_one_insert_and_a_duplicate_adds_one_read(post_event, django_capture_on_commit_callbacks):
    event = stripe_event("customer.created", OBJECT)
    with CaptureQueriesContext(connection) as first, django_capture_on_commit_callbacks() as queued:
        response = post_event(event)
    assert response.json() == {"received": True, "duplicate": False, "status": "received"}
    writes = [q["sql"] for q in first.captured_queries if "billing_webhookevent" in q["sql"]]
    assert len(writes) == 1 and "ON CONFLICT" in writes[0] and writes[0].startswith("INSERT")
    assert not any(q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in first.captured_queries)
    assert len(queued) == 1

    with CaptureQueriesContext(connection) as second, django_capture_on_commit_callbacks() as queued_again:
        response = post_event(event)
    assert response.json() == {"received": True, "duplicate": True, "status": "received"}
    assert len([q for q in second.captured_queries if "billing_webhookevent" in q["sql"]]) == 2
    assert not queued_again
    stored = WebhookEvent.objects.get()
    assert (stored.payload, stored.status, stored.attempts) == (event, WebhookEventStatus.RECEIVED, 0)


def test_stored_fields_match_the_event(post_event):
    event = stripe_event("customer.created", OBJECT, api_version="2024-06-20", livemode=True)
    post_event(event)
    stored = WebhookEvent.objects.get()
    assert stored.stripe_event_id == event["id"] and stored.type == "customer.created"
    assert (stored.api_version, stored.livemode) == ("2024-06-20", True)
    assert stored.stripe_created.timestamp() == event["created"]
    assert timezone.now() - stored.received_at < timedelta(minutes=1)
    assert (stored.last_error, stored.note, stored.processed_at) == ("", "", None)


@pytest.mark.parametrize(
    "body",
    [
        BODY.replace(b'"livemode": false', b'"livemode": NaN'),
        BODY.replace(b'"livemode": false', b'"livemode": Infinity'),
        BODY.replace(b'"cus_lean"', b'"cus_\\u0000lean"'),
    ],
    ids=["nan", "infinity", "nul-character"],
)
def test_signed_body_postgresql_cannot_store_is_refused_not_500(client, body):
    client.raise_request_exception = False
    response = client.post(
        reverse("billing:stripe-webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, WEBHOOK_SECRET),
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_an_escaped_backslash_before_u0000_is_not_a_nul_and_is_stored(post_event):
    event = stripe_event("customer.created", {**OBJECT, "description": "C:\\u0000dir"})
    assert post_event(event).status_code == 200
    assert WebhookEvent.objects.get().payload["data"]["object"]["description"] == "C:\\u0000dir"


def _broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_event_stored_while_broker_is_unreachable_is_processed_by_the_pickup(
    post_event, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setitem(
        handlers.HANDLERS, "customer.created", [lambda event: calls.append(event["id"]) or handlers.Outcome()]
    )
    event = stripe_event("customer.created", OBJECT)
    with monkeypatch.context() as down:
        down.setattr(process_webhook_event, "delay", _broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(event)
        assert response.status_code == 200  # stored: acknowledged, Stripe need not retry
        stored = WebhookEvent.objects.get()
        assert stored.status == WebhookEventStatus.RECEIVED and calls == []

        WebhookEvent.objects.filter(pk=stored.pk).update(received_at=timezone.now() - timedelta(minutes=3))
        assert pickup_webhook_events.delay().get() == 0  # the broker is still down: nothing lost, retried later
    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.RECEIVED

    assert pickup_webhook_events.delay().get() == 1  # the broker is back: the beat job enqueues it
    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.PROCESSED and stored.attempts == 1
    assert calls == [event["id"]]
    assert webhook_events_pickup() == 0  # processed: never picked up again


def test_pickup_leaves_events_received_just_now_to_their_own_task(post_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        post_event(stripe_event("customer.created", OBJECT))
    assert webhook_events_pickup() == 0
    assert WebhookEvent.objects.get().status == WebhookEventStatus.RECEIVED


def test_reconciler_stores_missed_events_through_the_same_insert(django_capture_on_commit_callbacks):
    from billing.services.events import webhook_event_store

    event = stripe_event("customer.created", OBJECT)
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_event_store(event=event)
        again = webhook_event_store(event=event)
    assert (first.created, again.created, again.pk) == (True, False, first.pk)
    assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED


def test_signed_helper_and_view_agree_on_rotation(post_event):
    body, header = signed(stripe_event("customer.created", OBJECT), "whsec_old", WEBHOOK_SECRET)
    assert _ours_accepts(body, header, WEBHOOK_SECRET) and _sdk_accepts(body, header, WEBHOOK_SECRET)


def test_signed_events_pass_and_never_touch_the_limit_while_unsigned_posts_are_refused(settings, post_event):
    import uuid

    from django.core.cache import cache

    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {"stripe-webhook": "2/m"}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    assert [post_event(stripe_event("customer.created", OBJECT)).status_code for _ in range(3)] == [200] * 3
    assert not any(key.startswith(":1:rl:") for key in cache._cache)  # genuine deliveries are not counted
    statuses = [post_event(stripe_event("customer.created", OBJECT), "whsec_forged").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert post_event(stripe_event("customer.created", OBJECT)).status_code == 200  # Stripe's own still pass
    assert WebhookEvent.objects.count() == 4
