"""Staff run billing from Django admin: every action works, is audited, and is closed to everyone else."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from billing import gateway
from billing.models import (
    Invoice,
    StripePrice,
    StripeProduct,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
    WebhookEventStatus,
)
from billing.services.events import from_timestamp
from clubs.models import Membership, MembershipStatus
from core.models import StaffAction
from tests.billing.test_lifecycle import join, join_and_pay, newest_subscription, one, payment_intent_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:billing_subscription_changelist",
    "admin:billing_invoice_changelist",
    "admin:billing_webhookevent_changelist",
    "admin:billing_stripeproduct_changelist",
    "admin:billing_stripecustomer_changelist",
]


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def members(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    """Two paying members: Ada on the monthly plan, Grace on the yearly one."""
    ada = UserFactory(email="ada@example.com")
    grace = UserFactory(email="grace@example.com")
    for user, plan in ((ada, "Monthly"), (grace, "Yearly")):
        join_and_pay(
            client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name=plan)
        )
    client.logout()
    return {
        "ada": Membership.objects.get(user=ada),
        "grace": Membership.objects.get(user=grace),
    }


def run_action(staff_client, changelist: str, action: str, objects, *, follow: bool = False):
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]}
    return staff_client.post(reverse(changelist), data, follow=follow)


def last_action(name: str) -> StaffAction:
    return StaffAction.objects.filter(action=name).get()


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"  # the one CSV exporter, core/csv.py
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Subscription actions -----------------------------------------------------------------------


def test_cancel_at_period_end_action_updates_stripe_and_the_mirror_and_is_audited(
    staff, staff_client, members, stripe_emulator
):
    subscription = newest_subscription(members["ada"])

    # The action asks first (an intermediate page with a note for the audit log): nothing changes yet.
    asked = run_action(staff_client, "admin:billing_subscription_changelist", "cancel_at_period_end", [subscription])
    assert asked.status_code == 200 and 'name="note"' in asked.content.decode()
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False
    assert not StaffAction.objects.filter(action="cancel_at_period_end").exists()
    data = {
        "action": "cancel_at_period_end",
        ACTION_CHECKBOX_NAME: [subscription.pk],
        "confirm": "yes",
        "note": "Member asked by email",
    }
    response = staff_client.post(reverse("admin:billing_subscription_changelist"), data)

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is True
    assert stripe_emulator.get(subscription.stripe_subscription_id)["cancel_at_period_end"] is True
    assert newest_subscription(members["grace"]).cancel_at_period_end is False
    action = last_action("cancel_at_period_end")
    assert action.actor == staff
    assert action.target == subscription.stripe_subscription_id
    assert action.before == {"status": "active", "cancel_at_period_end": False}
    assert action.after == {"status": "active", "cancel_at_period_end": True}
    assert action.note == "Member asked by email"


def cancel_now_confirmed(staff_client, subscription, *, follow: bool = False):
    data = {
        "action": "cancel_now",
        ACTION_CHECKBOX_NAME: [subscription.pk],
        "confirm": "yes",
        "note": "Chargeback filed",
    }
    return staff_client.post(reverse("admin:billing_subscription_changelist"), data, follow=follow)


def test_cancel_now_asks_for_confirmation_and_a_note_before_anything_changes(staff_client, members, stripe_emulator):
    subscription = newest_subscription(members["ada"])
    sent = len(stripe_emulator.requests)

    asked = run_action(staff_client, "admin:billing_subscription_changelist", "cancel_now", [subscription])
    without_note = staff_client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "cancel_now", ACTION_CHECKBOX_NAME: [subscription.pk], "confirm": "yes", "note": ""},
    )

    assert asked.status_code == 200 and without_note.status_code == 200
    html = asked.content.decode()
    assert "loses access at once" in html and members["ada"].user.email in html
    assert "access until" not in html  # that line belongs to a period-end cancel
    assert without_note.context["form"].errors["note"]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert len(stripe_emulator.requests) == sent
    assert not StaffAction.objects.filter(action="cancel_now").exists()


def test_cancel_now_action_ends_subscription_and_access_and_is_audited(staff, staff_client, members, stripe_emulator):
    subscription = newest_subscription(members["ada"])

    cancel_now_confirmed(staff_client, subscription)

    subscription.refresh_from_db()
    members["ada"].refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELED
    assert stripe_emulator.get(subscription.stripe_subscription_id)["status"] == "canceled"
    assert members["ada"].status == MembershipStatus.CANCELED
    assert not Membership.objects.filter(pk=members["ada"].pk).with_access().exists()
    action = last_action("cancel_now")
    assert (action.actor, action.target) == (staff, subscription.stripe_subscription_id)
    assert action.before == {"status": "active", "cancel_at_period_end": False}
    assert action.after == {"status": "canceled", "cancel_at_period_end": False}
    assert action.note == "Chargeback filed"


def test_cancel_now_on_an_already_canceled_subscription_reports_an_error_and_records_nothing(staff_client, members):
    subscription = newest_subscription(members["ada"])
    cancel_now_confirmed(staff_client, subscription, follow=True)

    response = cancel_now_confirmed(staff_client, subscription, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"{subscription}: This membership has no running subscription."]
    assert StaffAction.objects.filter(action="cancel_now").count() == 1


def test_resync_action_reads_the_subscription_from_stripe_and_is_audited(staff, staff_client, members):
    subscription = newest_subscription(members["ada"])
    # Changed in the Stripe dashboard; the webhook never arrived.
    gateway.subscription_update(
        subscription_id=subscription.stripe_subscription_id, params={"cancel_at_period_end": True}
    )
    assert Subscription.objects.get(pk=subscription.pk).cancel_at_period_end is False

    run_action(staff_client, "admin:billing_subscription_changelist", "resync", [subscription])

    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is True
    action = last_action("resync")
    assert action.actor == staff
    assert action.before == {"status": "active", "cancel_at_period_end": False}
    assert action.after == {"status": "active", "cancel_at_period_end": True}


def test_subscriptions_export_csv_lists_the_selected_subscriptions(staff, staff_client, members, club):
    ada, grace = newest_subscription(members["ada"]), newest_subscription(members["grace"])

    response = run_action(staff_client, "admin:billing_subscription_changelist", "export_csv", [ada, grace])

    header, *rows = csv_rows(response)
    assert 'filename="subscriptions.csv"' in response["Content-Disposition"]
    assert header == [
        "stripe_subscription_id",
        "membership__user__email",
        "membership__club__name",
        "plan__name",
        "status",
        "amount_minor",
        "currency",
        "current_period_end",
        "cancel_at_period_end",
    ]
    by_id = {row[0]: row for row in rows}
    assert len(rows) == 2
    assert by_id[ada.stripe_subscription_id][1:7] == ["ada@example.com", club.name, "Monthly", "active", "500", "USD"]
    assert by_id[grace.stripe_subscription_id][1:7] == [
        "grace@example.com",
        club.name,
        "Yearly",
        "active",
        "4800",
        "USD",
    ]
    assert by_id[ada.stripe_subscription_id][8] == "False"
    action = last_action("export_csv")
    assert (action.actor, action.after) == (staff, {"rows": 2})


# --- Invoices ------------------------------------------------------------------------------------


def test_invoices_export_csv_lists_the_selected_invoices(staff, staff_client, members):
    invoice = Invoice.objects.get(customer__user=members["grace"].user)

    response = run_action(staff_client, "admin:billing_invoice_changelist", "export_csv", [invoice])

    header, *rows = csv_rows(response)
    assert header == [
        "stripe_invoice_id",
        "customer__user__email",
        "status",
        "amount_paid_minor",
        "amount_refunded_minor",
        "currency",
        "stripe_created",
    ]
    assert [row[:6] for row in rows] == [[invoice.stripe_invoice_id, "grace@example.com", "paid", "4800", "0", "USD"]]
    action = last_action("export_csv")
    assert (action.actor, action.target, action.after) == (staff, "invoices", {"rows": 1})


def test_refund_view_shows_the_refundable_amount_and_refunds_with_an_audit_row(
    staff, staff_client, members, stripe_emulator
):
    invoice = Invoice.objects.get(customer__user=members["grace"].user)
    invoice.stripe_payment_intent_id = payment_intent_of(stripe_emulator, invoice)
    invoice.save()
    url = reverse("admin:billing_invoice_refund", args=[invoice.pk])

    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial == {"amount": 4800}
    assert 'value="48.00"' in response.content.decode()  # shown in dollars, not as 4800 cents
    assert "grace@example.com" in response.content.decode()

    response = staff_client.post(
        url, {"amount": "10.00", "reason": "requested_by_customer", "note": "Unhappy"}, follow=True
    )
    assert response.redirect_chain == [(reverse("admin:billing_invoice_changelist"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "Refund requested; Stripe confirms it by webhook."
    ]
    refund = one(stripe_emulator.events, "refund.created")["data"]["object"]
    assert (refund["amount"], refund["reason"]) == (1000, "requested_by_customer")
    assert refund["metadata"] == {"invoice": invoice.stripe_invoice_id, "staff": staff.email, "note": "Unhappy"}
    action = last_action("refund")
    assert (action.actor, action.target, action.note) == (staff, invoice.stripe_invoice_id, "Unhappy")
    assert action.before == {"amount_refunded_minor": 0}
    assert action.after == {"requested_minor": 1000, "refund": refund["id"], "reason": "requested_by_customer"}


# --- Webhook events -------------------------------------------------------------------------------


def test_replay_action_processes_a_failed_event_and_leaves_processed_ones_alone(
    staff, staff_client, client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    checkout = stripe_emulator.complete_checkout(join(client, user, club.plans.get(name="Monthly")))
    created = one(checkout, "customer.subscription.created")
    failed = WebhookEvent.objects.create(
        stripe_event_id=created["id"],
        type=created["type"],
        api_version=created["api_version"],
        stripe_created=from_timestamp(created["created"]),
        payload=created,
        status=WebhookEventStatus.FAILED,
        attempts=1,
        last_error="OperationalError: database is locked",
    )
    processed = WebhookEvent.objects.create(
        stripe_event_id="evt_done",
        type="customer.created",
        stripe_created=failed.stripe_created,
        payload={"id": "evt_done", "type": "customer.created", "data": {"object": {}}},
        status=WebhookEventStatus.PROCESSED,
        attempts=1,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            staff_client, "admin:billing_webhookevent_changelist", "replay", [failed, processed], follow=True
        )

    assert [str(message) for message in response.context["messages"]] == [
        "1 event queued again; processed events are left alone."
    ]
    failed.refresh_from_db()
    processed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (WebhookEventStatus.PROCESSED, 2, "")
    assert processed.attempts == 1
    assert Membership.objects.get(user=user).status == MembershipStatus.ACTIVE
    action = last_action("replay_event")
    assert (action.actor, action.target) == (staff, str(failed))
    assert action.before == {"status": "failed"}


# --- Catalog ---------------------------------------------------------------------------------------


def test_sync_catalog_action_pushes_club_and_plan_changes_and_is_audited(
    staff, staff_client, members, club, stripe_emulator
):
    product = StripeProduct.objects.get(club=club)
    monthly = club.plans.get(name="Monthly")
    old_price = monthly.stripe_prices.get(active=True)
    club.name = "Healthy and Happy People"
    club.save()
    monthly.price_minor = 600
    monthly.save()

    response = run_action(
        staff_client, "admin:billing_stripeproduct_changelist", "sync_catalog", [product], follow=True
    )

    assert response.status_code == 200
    assert stripe_emulator.get(product.stripe_product_id)["name"] == "Healthy and Happy People"
    new_price = monthly.stripe_prices.get(active=True)
    assert new_price.amount_minor == 600 and new_price.pk != old_price.pk
    assert stripe_emulator.get(old_price.stripe_price_id)["active"] is False
    assert StripePrice.objects.get(pk=old_price.pk).active is False
    action = last_action("sync_catalog")
    assert action.actor == staff
    assert action.after == {
        "products_created": 0,
        "products_renamed": 1,
        "prices_created": 1,
        "prices_archived": 1,
        "errors": [],
    }


# --- Who may use the billing admin ------------------------------------------------------------------


def _refused(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_billing_admin_is_refused_to_non_staff(who, members, stripe_emulator):
    client = Client()
    if who == "member":
        client.force_login(members["ada"].user)
    invoice = Invoice.objects.get(customer__user=members["ada"].user)
    subscription = newest_subscription(members["ada"])
    refund_url = reverse("admin:billing_invoice_refund", args=[invoice.pk])
    sent = len(stripe_emulator.requests)

    for name in CHANGELISTS:
        assert _refused(client.get(reverse(name))), name
    assert _refused(client.get(refund_url))
    assert _refused(client.post(refund_url, {"amount": "5.00", "reason": "duplicate", "note": "x"}))
    assert _refused(
        client.post(
            reverse("admin:billing_subscription_changelist"),
            {"action": "cancel_now", ACTION_CHECKBOX_NAME: [subscription.pk]},
        )
    )

    assert len(stripe_emulator.requests) == sent
    assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.ACTIVE
    assert not StaffAction.objects.exists()


def test_staff_without_billing_permissions_cannot_refund(members, stripe_emulator):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    invoice = Invoice.objects.get(customer__user=members["ada"].user)
    sent = len(stripe_emulator.requests)

    response = client.post(
        reverse("admin:billing_invoice_refund", args=[invoice.pk]),
        {"amount": "5.00", "reason": "duplicate", "note": "x"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert len(stripe_emulator.requests) == sent
    assert client.get(reverse("admin:billing_invoice_changelist")).status_code == 403


# --- Search ----------------------------------------------------------------------------------------


def _search(staff_client, changelist: str, query: str) -> list:
    response = staff_client.get(reverse(changelist), {"q": query})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_changelists_find_by_member_email_and_stripe_id(staff_client, members):
    ada_sub, grace_sub = newest_subscription(members["ada"]), newest_subscription(members["grace"])
    ada_invoice = Invoice.objects.get(customer__user=members["ada"].user)
    grace_invoice = Invoice.objects.get(customer__user=members["grace"].user)
    grace_customer = grace_sub.customer
    event = WebhookEvent.objects.filter(type="invoice.paid").first()

    subscriptions = "admin:billing_subscription_changelist"
    assert _search(staff_client, subscriptions, "ada@example.com") == [ada_sub]
    assert _search(staff_client, subscriptions, grace_sub.stripe_subscription_id) == [grace_sub]
    assert _search(staff_client, subscriptions, grace_customer.stripe_customer_id) == [grace_sub]
    assert _search(staff_client, subscriptions, "nobody@example.com") == []

    invoices = "admin:billing_invoice_changelist"
    assert _search(staff_client, invoices, "grace@example.com") == [grace_invoice]
    assert _search(staff_client, invoices, ada_invoice.stripe_invoice_id) == [ada_invoice]

    assert _search(staff_client, "admin:billing_stripecustomer_changelist", "grace@example.com") == [grace_customer]
    assert _search(staff_client, "admin:billing_stripecustomer_changelist", grace_customer.stripe_customer_id) == [
        grace_customer
    ]
    assert _search(staff_client, "admin:billing_webhookevent_changelist", event.stripe_event_id) == [event]


def test_cancel_at_period_end_without_a_note_is_refused_and_changes_nothing(staff_client, members):
    subscription = newest_subscription(members["ada"])
    data = {"action": "cancel_at_period_end", ACTION_CHECKBOX_NAME: [subscription.pk], "confirm": "yes", "note": ""}
    response = staff_client.post(reverse("admin:billing_subscription_changelist"), data)
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False
    assert not StaffAction.objects.filter(action="cancel_at_period_end").exists()


def test_refund_amount_is_typed_in_the_currency_and_refused_above_what_is_refundable(
    staff_client, members, stripe_emulator
):
    invoice = Invoice.objects.get(customer__user=members["grace"].user)
    sent = len(stripe_emulator.requests)
    url = reverse("admin:billing_invoice_refund", args=[invoice.pk])
    response = staff_client.post(url, {"amount": "48.01", "reason": "duplicate", "note": "Too much"})
    assert response.status_code == 200
    assert "Enter an amount between $0.01 and $48.00." in response.content.decode()
    assert len(stripe_emulator.requests) == sent
