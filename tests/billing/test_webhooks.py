import time

import pytest

from billing import handlers
from billing.models import WebhookEvent, WebhookEventStatus
from billing.services.events import webhook_event_replay
from tests.billing.stripe_events import WEBHOOK_SECRET, stripe_event
from tests.concurrency import at_once, require_postgresql

pytestmark = pytest.mark.django_db

UNHANDLED = {"id": "cus_unrelated", "object": "customer"}


def test_valid_event_is_stored_acknowledged_and_processed(post_event, django_capture_on_commit_callbacks):
    event = stripe_event("customer.created", UNHANDLED)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(event)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False, "status": "received"}
    stored = WebhookEvent.objects.get(stripe_event_id=event["id"])
    assert stored.payload == event
    assert stored.status == WebhookEventStatus.IGNORED  # unknown type: acknowledged, changes nothing
    assert stored.attempts == 1


def test_forged_signature_is_refused_and_nothing_is_stored(post_event):
    response = post_event(stripe_event("customer.created", UNHANDLED), "whsec_forged")
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_missing_signature_is_refused(post_event):
    assert post_event(stripe_event("customer.created", UNHANDLED), header="").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_stale_timestamp_is_refused_as_a_replay(post_event):
    response = post_event(stripe_event("customer.created", UNHANDLED), timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_two_signatures_during_secret_rotation_are_accepted(post_event):
    response = post_event(stripe_event("customer.created", UNHANDLED), "whsec_old_secret", WEBHOOK_SECRET)
    assert response.status_code == 200


def test_duplicate_delivery_is_acknowledged_and_processed_once(post_event, django_capture_on_commit_callbacks):
    event = stripe_event("customer.created", UNHANDLED)
    with django_capture_on_commit_callbacks(execute=True) as first:
        post_event(event)
    with django_capture_on_commit_callbacks(execute=True) as second:
        response = post_event(event)
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert (len(first), len(second)) == (1, 0)
    assert WebhookEvent.objects.get().attempts == 1


def test_unhandled_event_in_another_api_version_is_stored_and_ignored(post_event, django_capture_on_commit_callbacks):
    event = stripe_event("customer.created", UNHANDLED, api_version="2024-06-20")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.api_version) == (WebhookEventStatus.IGNORED, "2024-06-20")


def test_failing_handler_is_recorded_then_replayed(post_event, monkeypatch, django_capture_on_commit_callbacks):
    calls = []

    def flaky(event):
        calls.append(event["id"])
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return handlers.Outcome(note="ok")

    monkeypatch.setitem(handlers.HANDLERS, "customer.created", [flaky])
    with django_capture_on_commit_callbacks(execute=True):
        post_event(stripe_event("customer.created", UNHANDLED))
    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEventStatus.FAILED
    assert "database hiccup" in stored.last_error and stored.attempts == 1

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_replay(event=stored)
    stored.refresh_from_db()
    assert stored.status == WebhookEventStatus.PROCESSED and stored.attempts == 2 and stored.last_error == ""
    assert len(calls) == 2


def test_processing_a_processed_event_again_does_nothing(post_event, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setitem(handlers.HANDLERS, "customer.created", [lambda event: calls.append(1) or handlers.Outcome()])
    with django_capture_on_commit_callbacks(execute=True):
        post_event(stripe_event("customer.created", UNHANDLED))
    from billing.tasks import process_webhook_event

    process_webhook_event.delay(WebhookEvent.objects.get().pk)
    assert calls == [1]


def test_get_is_not_allowed(client):
    assert client.get("/billing/webhooks/stripe/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_deliveries_store_and_process_once(settings, monkeypatch):
    """Two threads deliver the same event at the same moment (PostgreSQL: real row locks)."""
    require_postgresql()
    from django.test import Client

    from tests.billing.stripe_events import signed

    calls = []
    monkeypatch.setitem(handlers.HANDLERS, "customer.created", [lambda event: calls.append(1) or handlers.Outcome()])
    body, header = signed(stripe_event("customer.created", UNHANDLED))

    def deliver():
        response = Client().post(
            "/billing/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        return response.status_code

    statuses, errors = at_once(deliver, deliver)
    assert errors == []
    assert statuses == [200, 200]
    assert WebhookEvent.objects.count() == 1
    assert calls == [1]
