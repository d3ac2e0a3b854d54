"""Out-of-order delivery converges (issue 20): real Stripe payloads (../shared/stripe-fixtures/), signed and POSTed
to the endpoint in the order Stripe may deliver them, never the order they happened in.

Each test states the end state from the fixture's own figures, whatever the order.
"""

import copy
import json
import os

import pytest

from billing.models import Invoice, StripeCustomer, Subscription, WebhookEvent, WebhookEventStatus
from billing.services.events import from_timestamp, webhook_event_process
from clubs.models import MembershipStatus
from tests.billing.stripe_events import stripe_event
from tests.factories import MembershipFactory, UserFactory
from tests.stripe_fixtures import FIXTURES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    if not FIXTURES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Stripe contract fixtures are required under CI=true: {FIXTURES} is missing.")
        pytest.skip(f"Stripe contract fixtures not found at {FIXTURES} (a checkout without ../shared).")
    return {
        "openapi": json.loads((FIXTURES / "payloads/openapi_fixtures3_subset.json").read_text()),
        "mock": json.loads((FIXTURES / "payloads/stripe_mock_fixtures3_subset.json").read_text()),
    }


@pytest.fixture
def deliver(post_event, django_capture_on_commit_callbacks):
    def deliver(event):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(event)
        assert response.status_code == 200, response.content
        return WebhookEvent.objects.get(stripe_event_id=event["id"])

    return deliver


@pytest.fixture
def membership(club, openapi):
    """The fixtures' customer is one of ours, waiting for its first subscription."""
    user = UserFactory()
    StripeCustomer.objects.create(user=user, stripe_customer_id=openapi["openapi"]["invoice"]["customer"])
    return MembershipFactory(user=user, club=club, plan=club.plans.first(), status=MembershipStatus.PENDING)


def _paid_invoice(openapi, subscription_id: str = "") -> dict:
    """The OpenAPI fixture's invoice as Stripe shows it once paid (its own amounts)."""
    invoice = copy.deepcopy(openapi["openapi"]["invoice"])
    invoice.update(status="paid", amount_paid=invoice["amount_due"])
    invoice["status_transitions"] = {**(invoice.get("status_transitions") or {}), "paid_at": 1_700_000_000}
    if subscription_id:
        invoice["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"metadata": {}, "subscription": subscription_id},
        }
    return invoice


def _payment_of(openapi, invoice_id: str) -> dict:
    """stripe-mock's InvoicePayment, paid by the OpenAPI fixture's payment intent, for ``invoice_id``."""
    payment = copy.deepcopy(openapi["mock"]["invoice_payment"])
    payment.update(invoice=invoice_id, status="paid")
    payment["payment"] = {**payment["payment"], "payment_intent": openapi["openapi"]["payment_intent"]["id"]}
    return payment


def test_invoice_payment_paid_before_its_invoice_is_linked_not_ignored(openapi, membership, deliver, stripe_emulator):
    """Regression (issue 20): the payment's event arrived first and was ignored, so a later refund found no invoice."""
    invoice = _paid_invoice(openapi)
    stripe_emulator.objects[invoice["id"]] = copy.deepcopy(invoice)  # Stripe knows the invoice already
    intent_id = openapi["openapi"]["payment_intent"]["id"]

    payment_event = deliver(stripe_event("invoice_payment.paid", _payment_of(openapi, invoice["id"])))
    assert payment_event.status == WebhookEventStatus.PROCESSED, payment_event.last_error
    local = Invoice.objects.get(stripe_invoice_id=invoice["id"])
    assert local.stripe_payment_intent_id == intent_id
    assert (local.status, local.amount_paid_minor) == ("paid", invoice["amount_due"])

    late_invoice_paid = deliver(stripe_event("invoice.paid", invoice))
    assert late_invoice_paid.status == WebhookEventStatus.PROCESSED, late_invoice_paid.last_error
    local.refresh_from_db()
    assert (local.stripe_payment_intent_id, local.status) == (intent_id, "paid")
    assert (local.amount_due_minor, local.currency) == (invoice["amount_due"], invoice["currency"].upper())
    assert Invoice.objects.count() == 1

    charge = copy.deepcopy(openapi["openapi"]["charge"])
    charge.update(payment_intent=intent_id, customer=invoice["customer"], amount_refunded=250, refunded=False)
    refund = deliver(stripe_event("charge.refunded", charge))
    assert refund.status == WebhookEventStatus.PROCESSED, refund.last_error
    assert Invoice.objects.get(pk=local.pk).amount_refunded_minor == 250


def test_invoice_payment_paid_of_another_customers_invoice_is_ignored(openapi, deliver, stripe_emulator):
    invoice = {**_paid_invoice(openapi), "customer": "cus_of_another_product"}
    stripe_emulator.objects[invoice["id"]] = invoice

    stored = deliver(stripe_event("invoice_payment.paid", _payment_of(openapi, invoice["id"])))

    assert stored.status == WebhookEventStatus.IGNORED
    assert not Invoice.objects.exists()


def test_invoice_payment_paid_while_stripe_cannot_tell_the_invoice_fails_then_converges_on_retry(
    openapi, membership, deliver
):
    """Stripe (the emulator) does not know the invoice yet: the event fails, stays replayable, and its retry after
    invoice.paid links the payment."""
    invoice = _paid_invoice(openapi)
    payment_event = deliver(stripe_event("invoice_payment.paid", _payment_of(openapi, invoice["id"])))
    assert payment_event.status == WebhookEventStatus.FAILED and "No such invoice" in payment_event.last_error
    assert not Invoice.objects.exists()

    assert deliver(stripe_event("invoice.paid", invoice)).status == WebhookEventStatus.PROCESSED
    assert webhook_event_process(event_pk=payment_event.pk) == WebhookEventStatus.PROCESSED  # the task's retry
    local = Invoice.objects.get(stripe_invoice_id=invoice["id"])
    assert local.stripe_payment_intent_id == openapi["openapi"]["payment_intent"]["id"]


def test_subscription_updated_before_created_keeps_the_newer_snapshot(openapi, membership, deliver):
    subscription = copy.deepcopy(openapi["openapi"]["subscription"])
    subscription["metadata"] = {"membership_id": str(membership.pk)}
    created = {**copy.deepcopy(subscription), "status": "trialing"}
    updated = copy.deepcopy(subscription)  # the fixture's own status: active
    now = stripe_event("x", {})["created"]

    first = deliver(stripe_event("customer.subscription.updated", updated, created=now))
    late = deliver(stripe_event("customer.subscription.created", created, created=now - 60))

    assert (first.status, late.status) == (WebhookEventStatus.PROCESSED, WebhookEventStatus.PROCESSED)
    mirrored = Subscription.objects.get(stripe_subscription_id=subscription["id"])
    assert mirrored.status == openapi["openapi"]["subscription"]["status"] == "active"
    assert mirrored.last_event_created == from_timestamp(now)
    item = subscription["items"]["data"][0]
    assert mirrored.current_period_end == from_timestamp(item["current_period_end"])
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert list(membership.status_changes.values_list("to_status", flat=True).order_by("pk"))[-1:] == ["active"]


def test_invoice_paid_before_its_subscription_is_linked_when_the_subscription_arrives(openapi, membership, deliver):
    subscription = copy.deepcopy(openapi["openapi"]["subscription"])
    subscription["metadata"] = {"membership_id": str(membership.pk)}
    invoice = _paid_invoice(openapi, subscription_id=subscription["id"])

    early = deliver(stripe_event("invoice.paid", invoice))
    assert early.status == WebhookEventStatus.PROCESSED, early.last_error
    local = Invoice.objects.get(stripe_invoice_id=invoice["id"])
    assert (local.stripe_subscription_id, local.subscription) == (subscription["id"], None)

    assert deliver(stripe_event("customer.subscription.created", subscription)).status == "processed"
    local.refresh_from_db()
    assert local.subscription == Subscription.objects.get(stripe_subscription_id=subscription["id"])
    assert local.subscription.membership_id == membership.pk
