"""Erasure reaches the records kept for others: the stored Stripe webhook events about the member's customer and the
staff audit trail keep their ids, amounts and dates but no longer hold the member's email or name.

The webhook payloads are Stripe's own (../shared/stripe-fixtures/, read at run time), pointed at the member's
customer; their personal values there are "member@example.com", "Michael Smith" and "Redacted", so the member here
is Michael Smith at member@example.com.
"""

import copy
import json
import re
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import StripeCustomer, WebhookEvent, WebhookEventStatus
from billing.services.customers import webhook_events_scrub_person
from clubs.models import Membership
from core.audit import model_snapshot, staff_action_record
from core.models import StaffAction
from privacy.services.erasure import account_erase
from tests.billing.flows import join_and_pay
from tests.billing.stripe_events import stripe_event
from tests.factories import UserFactory
from tests.stripe_fixtures import FIXTURES

pytestmark = pytest.mark.django_db

EMAIL = "member@example.com"
NAME = "Michael Smith"
# What must survive for the invoices to be reconciled with Stripe: read from the payload before erasure.
KEPT_KEYS = {
    "id",
    "object",
    "type",
    "customer",
    "subscription",
    "invoice",
    "payment_intent",
    "amount",
    "amount_due",
    "amount_paid",
    "amount_remaining",
    "amount_total",
    "total",
    "subtotal",
    "currency",
    "status",
    "paid",
    "created",
    "period_start",
    "period_end",
}
FIXTURE_CUSTOMER = re.compile(r"cus_[A-Za-z0-9]+")


def _kept(node, path=""):
    """Every (path, value) under a KEPT_KEYS key whose value is a scalar, computed from the definition alone."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEPT_KEYS and not isinstance(value, dict | list):
                found.add((f"{path}.{key}", json.dumps(value)))
            found |= _kept(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found |= _kept(value, f"{path}[{index}]")
    return found


def _real_events(customer_id: str) -> list[dict]:
    """Stripe's recorded events and objects (wrapped in events), every customer id made the member's."""
    if not FIXTURES.is_dir():
        pytest.skip("../shared/stripe-fixtures is not available")

    def read(name):
        return json.loads(FIXTURE_CUSTOMER.sub(customer_id, (FIXTURES / name).read_text()))

    events = [
        read("payloads/indaggo_checkout_session_completed_basil.json"),
        read("payloads/indaggo_invoice_finalized_basil.json"),
        read("payloads/nomami_stripe-subscription-paid.json")[0]["body"],
        read("payloads/subscription_created_basil_0630.json"),
    ]
    customer = read("djstripe/customer_cus_6lsBvm5rJ0zyHc.json")
    events.append(stripe_event("customer.updated", customer, previous_attributes={"email": "old.michael@example.com"}))
    events.append(stripe_event("charge.succeeded", read("djstripe/charge_ch_fakefakefakefakefake0001.json")))
    events.append(
        stripe_event("payment_intent.succeeded", read("djstripe/payment_intent_pi_fakefakefakefakefake0001.json"))
    )
    events.append(stripe_event("invoice.paid", read("djstripe/invoice_in_fakefakefakefakefake0001.json")))
    return events


def _store(event: dict) -> WebhookEvent:
    return WebhookEvent.objects.create(
        stripe_event_id=event["id"],
        type=event["type"],
        api_version=event.get("api_version") or "",
        stripe_created=datetime.fromtimestamp(event["created"], tz=UTC),
        payload=event,
        status=WebhookEventStatus.PROCESSED,
    )


@pytest.fixture
def michael(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    user = UserFactory(email=EMAIL, display_name=NAME)
    join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    client.logout()
    return user


def test_erasure_scrubs_the_members_email_from_stored_webhook_payloads_and_audit_rows(
    michael, club, client, settings, django_capture_on_commit_callbacks
):
    user = michael
    customer_id = StripeCustomer.objects.get(user=user).stripe_customer_id
    real = [_store(event) for event in _real_events(customer_id)]
    # Someone else's invoice stays exactly as Stripe sent it; someone else's gift for Michael loses only his email.
    theirs = copy.deepcopy(real[1].payload)
    theirs["id"], theirs["data"]["object"]["customer"] = "evt_someone_else", "cus_SomeoneElse"
    theirs["data"]["object"].update(customer_email="sam@example.com", customer_name="Sam Other")
    other = _store(theirs)
    gift = copy.deepcopy(real[0].payload)
    gift["id"], gift["data"]["object"]["customer"] = "evt_gift_for_michael", None
    gift["data"]["object"]["customer_details"].update(email="sam@example.com", name="Sam Other")
    gift["data"]["object"]["metadata"] = {"gift": "1", "recipient_email": "Member@Example.com", "buyer_email": ""}
    gift_event = _store(gift)
    before = {event.pk: copy.deepcopy(event.payload) for event in WebhookEvent.objects.all()}
    assert sum(EMAIL in json.dumps(payload).lower() for payload in before.values()) >= len(real)

    # Staff's audit trail, written as the admin writes it, and Django admin's history line.
    staff = UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")
    membership = Membership.objects.get(user=user, club=club)
    about_user = staff_action_record(
        actor=staff,
        action="change user",
        target=user,
        before={"email": "Member@Example.com", "display_name": NAME},
        after={"display_name": NAME},
        note=f"asked by {EMAIL}",
    )
    about_membership = staff_action_record(
        actor=staff, action="change membership", target=membership, before=model_snapshot(membership)
    )
    unrelated = staff_action_record(actor=staff, action="change user", target="Sam Other", after={"email": "sam@x.io"})
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(type(user)),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="[]",
    )
    audit_before = {row.pk: (row.action, row.actor_id, row.created_at) for row in StaffAction.objects.all()}
    unrelated_before = StaffAction.objects.values().get(pk=unrelated.pk)

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=user, actor=user, keep_posts=False)

    pseudonym = f"erased user #{user.pk}"
    for event in WebhookEvent.objects.all():
        text = json.dumps(event.payload).lower()
        if event.pk == other.pk:
            assert event.payload == before[event.pk]
            continue
        assert EMAIL not in text and NAME.lower() not in text and "old.michael@example.com" not in text, event.type
        assert _kept(event.payload) == _kept(before[event.pk]), event.type  # ids, amounts, currency, status, dates
    payloads = {event.pk: event.payload["data"]["object"] for event in WebhookEvent.objects.all()}
    checkout, invoice = payloads[real[0].pk], payloads[real[1].pk]
    assert checkout["customer_details"] is None
    assert (invoice["customer_email"], invoice["customer_name"], invoice["customer_address"]) == (None, None, None)
    charge = payloads[real[5].pk]
    assert (charge["billing_details"], charge["source"]["name"]) == (None, None)
    assert payloads[real[4].pk]["description"] is None  # a customer's Dashboard description is their name
    gift_after = WebhookEvent.objects.get(pk=gift_event.pk).payload["data"]["object"]
    assert gift_after["metadata"]["recipient_email"] == "[erased]"
    assert gift_after["customer_details"]["email"] == "sam@example.com"  # the buyer's data are not Michael's

    # The audit rows stay (action, actor, time), with a pseudonym instead of the email and the name.
    assert {row.pk: (row.action, row.actor_id, row.created_at) for row in StaffAction.objects.all()} == audit_before
    for row in StaffAction.objects.filter(pk__in=[about_user.pk, about_membership.pk]):
        text = " ".join([row.target, row.note, json.dumps(row.before), json.dumps(row.after)]).lower()
        assert EMAIL not in text and NAME.lower() not in text
        assert pseudonym in text
    assert StaffAction.objects.get(pk=about_user.pk).target == pseudonym
    assert StaffAction.objects.get(pk=about_membership.pk).before["user"] == pseudonym
    assert StaffAction.objects.values().get(pk=unrelated.pk) == unrelated_before
    assert LogEntry.objects.get(object_id=str(user.pk)).object_repr == pseudonym

    # Staff can still open a scrubbed event in the admin.
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(staff)
    for event in (real[1], gift_event):
        page = client.get(reverse("admin:billing_webhookevent_change", args=[event.pk]))
        assert page.status_code == 200
        assert EMAIL not in page.content.decode().lower()


def test_the_erasure_page_says_webhook_records_and_the_audit_log_are_kept_without_the_name(michael, client):
    client.force_login(michael)
    page = client.get(reverse("privacy:erase")).content.decode()
    assert "Stripe sent us about your payments" in page and "log of changes to your account" in page


@pytest.mark.parametrize("count", [1, 300])
def test_webhook_events_are_read_in_one_query_whatever_their_number(count):
    """The scrub reads the member's events in one SELECT and writes them in batches, never one query per event."""
    if not FIXTURES.is_dir():
        pytest.skip("../shared/stripe-fixtures is not available")
    user = UserFactory(email=EMAIL, display_name=NAME)
    customer = StripeCustomer.objects.create(user=user, stripe_customer_id="cus_michael", email=EMAIL)
    text = (FIXTURES / "payloads/indaggo_invoice_finalized_basil.json").read_text()
    invoice = json.loads(FIXTURE_CUSTOMER.sub("cus_michael", text))
    for index in range(count):
        _store({**copy.deepcopy(invoice), "id": f"evt_michael_{index}"})
    with CaptureQueriesContext(connection) as queries:
        changed = webhook_events_scrub_person(customers=[customer], emails=[EMAIL], names=[NAME])
    statements = [query["sql"].lstrip() for query in queries.captured_queries]
    updates = [sql for sql in statements if sql.upper().startswith("UPDATE")]
    event_reads = [sql for sql in statements if "billing_webhookevent" in sql and sql not in updates]
    assert changed == count
    assert len(event_reads) == 1
    assert len(updates) <= 1 + count // 100
