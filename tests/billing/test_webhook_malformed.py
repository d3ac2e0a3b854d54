"""Signed but malformed webhook bodies: a 400, a warning in the log, nothing stored or processed, never a 500."""

import json
import logging

import pytest
from django.urls import reverse

from billing.models import WebhookEvent
from tests.billing.stripe_events import WEBHOOK_SECRET, signature_header, stripe_event

pytestmark = pytest.mark.django_db

OBJECT = {"id": "cus_unrelated", "object": "customer"}


def without(key: str) -> dict:
    event = stripe_event("customer.created", OBJECT)
    event.pop(key)
    return event


MALFORMED = {
    "empty-object": {},
    "array": [stripe_event("customer.created", OBJECT)],
    "empty-array": [],
    "string": "evt_1",
    "number": 1,
    "null": None,
    "created-not-integer": stripe_event("customer.created", OBJECT, created="yesterday"),
    "created-float": {**stripe_event("customer.created", OBJECT), "created": 1.7e9},
    "created-boolean": {**stripe_event("customer.created", OBJECT), "created": True},
    "created-overflows": {**stripe_event("customer.created", OBJECT), "created": 10**20},
    "created-negative": {**stripe_event("customer.created", OBJECT), "created": -1},
    "missing-id": without("id"),
    "id-not-string": {**stripe_event("customer.created", OBJECT), "id": 5},
    "id-too-long": stripe_event("customer.created", OBJECT, event_id="evt_" + "x" * 300),
    "missing-type": without("type"),
    "type-empty": {**stripe_event("customer.created", OBJECT), "type": ""},
    "missing-created": without("created"),
    "missing-data": without("data"),
    "data-array": {**stripe_event("customer.created", OBJECT), "data": [OBJECT]},
    "missing-data-object": {**stripe_event("customer.created", OBJECT), "data": {}},
    "data-object-string": {**stripe_event("customer.created", OBJECT), "data": {"object": "cus_1"}},
    "api-version-number": {**stripe_event("customer.created", OBJECT), "api_version": 2026},
}


def post_signed(client, body: bytes):
    client.raise_request_exception = False  # a 500 must show as a status, not as the test's own exception
    return client.post(
        reverse("billing:stripe-webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, WEBHOOK_SECRET),
    )


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_signed_malformed_webhook_body_is_refused_logged_and_not_stored(
    client, body, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.WARNING, logger="billing.webhooks"), django_capture_on_commit_callbacks() as queued:
        response = post_signed(client, json.dumps(body).encode())
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert not queued  # nothing enqueued for processing
    assert any("not an event" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe\x00"], ids=["truncated", "text", "not-utf8"])
def test_signed_body_that_is_not_json_is_refused(client, body):
    assert post_signed(client, body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_well_formed_event_still_goes_through_the_shape_check(client):
    event = stripe_event("customer.created", OBJECT)
    response = post_signed(client, json.dumps(event).encode())
    assert response.status_code == 200
    assert WebhookEvent.objects.get().stripe_event_id == event["id"]


def real_stripe_events() -> list:
    from tests.stripe_fixtures import FIXTURES as root

    events = []
    for path in sorted(root.rglob("*.json")):
        body = json.loads(path.read_text())
        if isinstance(body, dict) and body.get("object") == "event":
            events.append(pytest.param(body, id=path.name))
    return events


@pytest.mark.parametrize("event", real_stripe_events() or [None])
def test_real_stripe_events_pass_the_shape_check(event):
    import os

    from billing.gateway import event_shape_check

    if event is None:
        assert os.environ.get("CI") != "true", (
            "the real Stripe payloads in /work/shared/stripe-fixtures are required in CI"
        )
        pytest.skip("no real Stripe event payloads in /work/shared/stripe-fixtures")
    event_shape_check(event)  # raises MalformedWebhook if a real event would be refused
