"""A membership's whole billing life, driven by the Stripe emulator through the real webhook endpoint.

Stripe-side changes (a renewal, a declined card, a cancellation in the dashboard) come from the
emulator; their events reach the site through ``demo_events_deliver`` and are processed by the
eager Celery task once the test lets on_commit callbacks run.
"""

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from billing import gateway
from billing.models import Invoice, StripeCustomer, Subscription, SubscriptionStatus, WebhookEvent, WebhookEventStatus
from billing.services import subscriptions as subscription_services
from billing.services.events import from_timestamp
from clubs.models import Membership, MembershipStatus, MembershipStatusChange
from devtools.demo.checkout import demo_events_deliver
from tests.billing.stripe_events import stripe_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Helpers (also used by the other billing test modules) ---------------------------------------


def join(client, user, plan) -> str:
    """Join through the club page as ``user``; returns the emulated Checkout Session id."""
    client.force_login(user)
    response = client.post(reverse("billing:club-join", args=[plan.club.slug, plan.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/billing/demo-checkout/")
    return response["Location"].rsplit("/", 1)[-1]


def deliver(events, capture) -> None:
    """POST the events to the webhook endpoint, signed, and let their processing run."""
    with capture(execute=True):
        demo_events_deliver(events)


def join_and_pay(client, emulator, capture, *, user, plan) -> Membership:
    deliver(emulator.complete_checkout(join(client, user, plan)), capture)
    return Membership.objects.get(user=user, club=plan.club)


def emitted(emulator, action) -> list[dict]:
    """The events Stripe emits while ``action`` runs (copies, safe to edit)."""
    mark = len(emulator.events)
    action()
    return copy.deepcopy(emulator.events[mark:])


def one(events, event_type: str) -> dict:
    matching = [event for event in events if event["type"] == event_type]
    assert len(matching) == 1, [event["type"] for event in events]
    return matching[0]


def newest_subscription(membership) -> Subscription:
    return membership.subscriptions.order_by("-stripe_created", "-pk").first()


def has_access(membership, now=None) -> bool:
    return Membership.objects.filter(pk=membership.pk).with_access(now=now).exists()


def stored(event: dict) -> WebhookEvent:
    return WebhookEvent.objects.get(stripe_event_id=event["id"])


def flash(response) -> list[str]:
    """The messages shown on the page a followed redirect ended on."""
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def monthly(club):
    return club.plans.get(name="Monthly")


@pytest.fixture
def trial_plan(monthly):
    monthly.trial_days = 14
    monthly.save()
    return monthly


@pytest.fixture
def paid(client, club, member, monthly, stripe_emulator, django_capture_on_commit_callbacks):
    """A member who joined on the monthly plan and paid; their webhooks are processed."""
    return join_and_pay(client, stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=monthly)


# --- Trial, renewal, dunning, grace, cancellation ------------------------------------------------


def test_trial_then_failed_renewal_keeps_access_through_grace_then_deletion_cancels(
    client, club, member, trial_plan, stripe_emulator, django_capture_on_commit_callbacks, monkeypatch
):
    capture = django_capture_on_commit_callbacks
    membership = join_and_pay(client, stripe_emulator, capture, user=member, plan=trial_plan)
    subscription = newest_subscription(membership)
    assert membership.status == MembershipStatus.TRIALING
    assert subscription.status == SubscriptionStatus.TRIALING
    assert subscription.trial_end is not None and subscription.plan == trial_plan
    assert has_access(membership)

    deliver(stripe_emulator.end_trial(subscription.stripe_subscription_id), capture)
    membership.refresh_from_db()
    subscription.refresh_from_db()
    assert (membership.status, subscription.status) == (MembershipStatus.ACTIVE, SubscriptionStatus.ACTIVE)
    assert subscription.invoices.get(billing_reason="subscription_cycle").amount_paid_minor == 500

    renewal = stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False)
    failed = one(renewal, "invoice.payment_failed")
    deliver(renewal, capture)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    went_past_due = from_timestamp(one(renewal, "customer.subscription.updated")["created"])
    grace_end = went_past_due + timedelta(days=club.grace_period_days)
    assert membership.grace_period_ends_at == grace_end
    assert has_access(membership, now=grace_end - timedelta(seconds=1))
    assert not has_access(membership, now=grace_end)
    assert not has_access(membership, now=grace_end + timedelta(days=1))

    # Smart Retries decline the card again.
    deliver(stripe_emulator.pay_invoice(failed["data"]["object"]["id"], succeed=False), capture)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert membership.grace_period_ends_at == grace_end  # a repeated failure does not extend the grace

    # Retries exhausted: Stripe cancels the subscription.
    deleted = emitted(
        stripe_emulator, lambda: gateway.subscription_cancel(subscription_id=subscription.stripe_subscription_id)
    )
    deliver(deleted, capture)
    membership.refresh_from_db()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELED
    assert membership.status == MembershipStatus.CANCELED
    assert membership.canceled_at == from_timestamp(one(deleted, "customer.subscription.deleted")["created"])
    assert not has_access(membership, now=went_past_due)


def test_failed_payment_emails_the_member_once_with_the_billing_page_link(
    club, member, paid, stripe_emulator, django_capture_on_commit_callbacks, mailoutbox
):
    capture = django_capture_on_commit_callbacks
    mailoutbox.clear()  # the join's own email ("your membership is active", issue 19) is not under test here
    renewal = stripe_emulator.advance_to_renewal(newest_subscription(paid).stripe_subscription_id, succeed=False)
    failed = one(renewal, "invoice.payment_failed")
    deliver(renewal, capture)
    deliver([failed], capture)  # Stripe delivers the same event again
    # Smart Retries decline the card again: a new event, but the member was already told.
    retry = stripe_emulator.pay_invoice(failed["data"]["object"]["id"], succeed=False)
    assert one(retry, "invoice.payment_failed")["id"] != failed["id"]
    deliver(retry, capture)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [member.email]
    assert settings.SITE_URL + reverse("billing:club-billing", args=[club.slug]) in email.body
    assert "We could not take your payment of $5.00 for Healthy and Happy Club." in email.body
    assert "Your membership continues until" in email.body
    assert Invoice.objects.get(stripe_invoice_id=failed["data"]["object"]["id"]).payment_failed_notified_at
    assert stored(failed).attempts == 1


def test_recovered_payment_makes_a_past_due_membership_active_again(
    paid, stripe_emulator, django_capture_on_commit_callbacks, monkeypatch
):
    subscription = newest_subscription(paid)
    renewal = stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False)
    deliver(renewal, django_capture_on_commit_callbacks)
    paid.refresh_from_db()
    assert paid.status == MembershipStatus.PAST_DUE

    invoice_id = one(renewal, "invoice.payment_failed")["data"]["object"]["id"]
    deliver(stripe_emulator.pay_invoice(invoice_id, succeed=True), django_capture_on_commit_callbacks)
    paid.refresh_from_db()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert paid.status == MembershipStatus.ACTIVE
    assert paid.grace_period_ends_at is None and paid.past_due_since is None
    invoice = Invoice.objects.get(stripe_invoice_id=invoice_id)
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 500)


# --- What the member does on the billing page ---------------------------------------------------


def test_member_cancels_at_period_end_then_resumes_from_the_billing_page(client, club, paid):
    subscription = newest_subscription(paid)

    response = client.post(reverse("billing:subscription-cancel", args=[club.slug]), follow=True)
    assert response.redirect_chain == [(reverse("billing:club-billing", args=[club.slug]), 302)]
    assert flash(response) == [
        "Your membership will end at the end of the current period. You can resume it until then."
    ]
    subscription.refresh_from_db()
    paid.refresh_from_db()
    assert subscription.cancel_at_period_end is True
    assert paid.status == MembershipStatus.ACTIVE  # access lasts until the period ends

    response = client.post(reverse("billing:subscription-resume", args=[club.slug]), follow=True)
    assert flash(response) == ["Welcome back: your membership will renew."]
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False

    response = client.post(reverse("billing:subscription-resume", args=[club.slug]), follow=True)
    assert flash(response) == ["This membership is not set to end."]


def test_cancel_at_period_end_ends_the_membership_when_the_period_ends(
    client, club, paid, stripe_emulator, django_capture_on_commit_callbacks
):
    subscription = newest_subscription(paid)
    client.post(reverse("billing:subscription-cancel", args=[club.slug]))
    deliver(
        stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True),
        django_capture_on_commit_callbacks,
    )
    paid.refresh_from_db()
    assert newest_subscription(paid).status == SubscriptionStatus.CANCELED
    assert paid.status == MembershipStatus.CANCELED
    assert Invoice.objects.filter(billing_reason="subscription_cycle").count() == 0  # nothing charged


def test_plan_switch_shows_the_prorated_amount_then_switches(
    client, club, paid, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    yearly = club.plans.get(name="Yearly")
    url = reverse("billing:plan-switch", args=[club.slug, yearly.pk])

    response = client.get(url)
    assert response.status_code == 200
    # A new interval restarts the period: the full year, less the unused month just paid.
    assert response.context["preview"].amount_due_minor == 4800 - 500
    assert "Due today, with credit for the unused part of your current plan: $43.00." in response.content.decode()
    token = response.context["preview"].token

    responses = []
    events = emitted(
        stripe_emulator,
        lambda: responses.append(client.post(url, {"preview": token}, follow=True)),
    )
    assert flash(responses[0]) == ["You are now on the Yearly plan."]
    deliver(events, django_capture_on_commit_callbacks)

    paid.refresh_from_db()
    subscription = newest_subscription(paid)
    assert paid.plan == yearly
    assert (subscription.plan, subscription.amount_minor) == (yearly, 4800)
    assert paid.status == MembershipStatus.ACTIVE
    switch_invoice = Invoice.objects.get(billing_reason="subscription_update")
    assert switch_invoice.amount_paid_minor == 4300
    assert switch_invoice.subscription == subscription


# --- Refunds --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def refund_requests(emulator) -> list[dict]:
    return [request for request in emulator.requests if request["path"] == "/v1/refunds"]


def test_staff_full_refund_is_recorded_when_stripe_confirms_it(
    paid, staff_client, stripe_emulator, django_capture_on_commit_callbacks
):
    invoice = Invoice.objects.get(subscription__membership=paid)
    assert invoice.amount_paid_minor == 500
    url = reverse("admin:billing_invoice_refund", args=[invoice.pk])

    responses = []
    events = emitted(
        stripe_emulator,
        lambda: responses.append(
            staff_client.post(url, {"amount": "5.00", "reason": "requested_by_customer", "note": "Moved"})
        ),
    )
    assert responses[0]["Location"] == reverse("admin:billing_invoice_changelist")
    [request] = refund_requests(stripe_emulator)
    assert request["params"]["amount"] == "500"
    assert request["params"]["reason"] == "requested_by_customer"
    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == 0  # the webhook is the confirmation

    deliver(events, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == 500
    assert invoice.refundable_minor == 0
    assert stored(one(events, "charge.refunded")).status == WebhookEventStatus.PROCESSED


def payment_intent_of(emulator, invoice: Invoice) -> str:
    """The PaymentIntent that paid the invoice, read from the emulator's InvoicePayment."""
    [payment] = [
        obj
        for obj in emulator.objects.values()
        if obj["object"] == "invoice_payment" and obj["invoice"] == invoice.stripe_invoice_id
    ]
    return payment["payment"]["payment_intent"]


def test_staff_partial_refunds_add_up_when_stripe_confirms_them(
    paid, staff_client, stripe_emulator, django_capture_on_commit_callbacks
):
    """The payment intent is already known here, so the refund does not depend on the lookup (see the bug above)."""
    invoice = Invoice.objects.get(subscription__membership=paid)
    invoice.stripe_payment_intent_id = payment_intent_of(stripe_emulator, invoice)
    invoice.save()
    url = reverse("admin:billing_invoice_refund", args=[invoice.pk])

    events = emitted(
        stripe_emulator, lambda: staff_client.post(url, {"amount": "2.00", "reason": "other", "note": "Goodwill"})
    )
    [request] = refund_requests(stripe_emulator)
    assert request["params"]["amount"] == "200"
    assert request["params"]["payment_intent"] == invoice.stripe_payment_intent_id
    assert "reason" not in request["params"]  # "other" is ours, not one of Stripe's reasons
    deliver(events, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert (invoice.amount_refunded_minor, invoice.refundable_minor) == (200, 300)

    deliver(
        emitted(
            stripe_emulator,
            lambda: staff_client.post(url, {"amount": "3.00", "reason": "duplicate", "note": "The rest"}),
        ),
        django_capture_on_commit_callbacks,
    )
    invoice.refresh_from_db()
    assert (invoice.amount_refunded_minor, invoice.refundable_minor) == (500, 0)
    assert [request["params"]["amount"] for request in refund_requests(stripe_emulator)] == ["200", "300"]


@pytest.mark.parametrize("already_refunded", [0, 200])
def test_over_refund_is_refused_with_a_message_and_nothing_is_sent_to_stripe(
    paid, staff_client, stripe_emulator, already_refunded
):
    invoice = Invoice.objects.get(subscription__membership=paid)
    invoice.amount_refunded_minor = already_refunded
    invoice.save()
    left = 500 - already_refunded
    sent, emitted_before = len(stripe_emulator.requests), len(stripe_emulator.events)

    response = staff_client.post(
        reverse("admin:billing_invoice_refund", args=[invoice.pk]),
        {"amount": f"{(left + 1) / 100:.2f}", "reason": "duplicate", "note": "Too much"},  # typed in dollars,
    )

    assert response.status_code == 200
    assert f"Enter an amount between $0.01 and ${left / 100:.2f}." in response.content.decode()
    assert len(stripe_emulator.requests) == sent
    assert len(stripe_emulator.events) == emitted_before
    invoice.refresh_from_db()
    assert invoice.amount_refunded_minor == already_refunded


# --- Out-of-order, duplicate and foreign events ---------------------------------------------------


def test_updated_event_delivered_before_created_wins_over_the_older_created(
    client, member, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    checkout = stripe_emulator.complete_checkout(join(client, member, monthly))
    created = one(checkout, "customer.subscription.created")
    renewal = stripe_emulator.advance_to_renewal(created["data"]["object"]["id"], succeed=False)
    updated = one(renewal, "customer.subscription.updated")
    updated["created"] = created["created"] + 60

    deliver([updated, created], django_capture_on_commit_callbacks)

    subscription = Subscription.objects.get(stripe_subscription_id=created["data"]["object"]["id"])
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert subscription.last_event_created == from_timestamp(updated["created"])
    assert Membership.objects.get(user=member).status == MembershipStatus.PAST_DUE
    assert stored(created).status == WebhookEventStatus.PROCESSED
    assert "skipped" in stored(created).note


def test_late_payment_failed_after_the_retry_paid_leaves_the_invoice_paid_and_sends_nothing(
    paid, stripe_emulator, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()  # the join's own email ("your membership is active", issue 19) is not under test here
    renewal = stripe_emulator.advance_to_renewal(newest_subscription(paid).stripe_subscription_id, succeed=False)
    failed = one(renewal, "invoice.payment_failed")
    recovered = stripe_emulator.pay_invoice(failed["data"]["object"]["id"], succeed=True)
    late = [event for event in renewal if event["type"] != "invoice.payment_failed"]

    deliver(late + recovered + [failed], django_capture_on_commit_callbacks)

    invoice = Invoice.objects.get(stripe_invoice_id=failed["data"]["object"]["id"])
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 500)
    assert invoice.paid_at is not None
    assert stored(failed).status == WebhookEventStatus.PROCESSED
    assert mailoutbox == []


@pytest.mark.parametrize("offset", [-5, 0, 5], ids=["older", "same-second", "newer"])
def test_late_updated_after_deleted_leaves_the_subscription_canceled(
    paid, offset, stripe_emulator, django_capture_on_commit_callbacks
):
    subscription = newest_subscription(paid)
    stripe_id = subscription.stripe_subscription_id
    events = emitted(
        stripe_emulator,
        lambda: (
            gateway.subscription_update(subscription_id=stripe_id, params={"cancel_at_period_end": True}),
            gateway.subscription_cancel(subscription_id=stripe_id),
        ),
    )
    updated, deleted = one(events, "customer.subscription.updated"), one(events, "customer.subscription.deleted")
    updated["created"] = deleted["created"] + offset

    deliver([deleted, updated], django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    paid.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELED
    assert paid.status == MembershipStatus.CANCELED
    assert "skipped" in stored(updated).note


def test_duplicate_deliveries_are_processed_once(
    client, member, monthly, stripe_emulator, django_capture_on_commit_callbacks
):
    checkout = stripe_emulator.complete_checkout(join(client, member, monthly))
    deliver(checkout, django_capture_on_commit_callbacks)
    deliver(checkout, django_capture_on_commit_callbacks)
    deliver(list(reversed(checkout)), django_capture_on_commit_callbacks)

    assert WebhookEvent.objects.count() == len(checkout) == 4  # with invoice_payment.paid
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
    assert Subscription.objects.count() == 1
    assert Invoice.objects.count() == 1
    membership = Membership.objects.get(user=member)
    assert membership.status == MembershipStatus.ACTIVE
    assert MembershipStatusChange.objects.filter(membership=membership, to_status=MembershipStatus.ACTIVE).count() == 1


def _foreign_events(membership) -> dict[str, dict]:
    """Objects of another product on the same Stripe account (or of another customer)."""
    our_customer = StripeCustomer.objects.get(user=membership.user).stripe_customer_id
    items = {"object": "list", "data": []}
    return {
        "subscription of another customer": stripe_event(
            "customer.subscription.created",
            {
                "id": "sub_other_product",
                "object": "subscription",
                "customer": "cus_other_product",
                "status": "active",
                "metadata": {"membership_id": str(membership.pk)},
                "items": items,
            },
        ),
        "subscription of our customer without our metadata": stripe_event(
            "customer.subscription.updated",
            {
                "id": "sub_other_product_2",
                "object": "subscription",
                "customer": our_customer,
                "status": "canceled",
                "metadata": {"order": "42"},
                "items": items,
            },
        ),
        "invoice paid": stripe_event(
            "invoice.paid",
            {"id": "in_other", "object": "invoice", "customer": "cus_other_product", "status": "paid", "created": 1},
        ),
        "invoice payment failed": stripe_event(
            "invoice.payment_failed",
            {"id": "in_other_2", "object": "invoice", "customer": "cus_other_product", "status": "open", "created": 1},
        ),
        "charge refunded": stripe_event(
            "charge.refunded",
            {"id": "ch_other", "object": "charge", "payment_intent": "pi_other", "amount_refunded": 500},
        ),
        "customer updated": stripe_event(
            "customer.updated", {"id": "cus_other_product", "object": "customer", "email": "someone@else.example"}
        ),
        "checkout of another product": stripe_event(
            "checkout.session.completed",
            {"id": "cs_other", "object": "checkout.session", "mode": "payment", "client_reference_id": None},
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "subscription of another customer",
        "subscription of our customer without our metadata",
        "invoice paid",
        "invoice payment failed",
        "charge refunded",
        "customer updated",
        "checkout of another product",
    ],
)
def test_event_for_another_product_on_a_shared_account_is_stored_ignored_and_changes_nothing(
    kind, paid, post_event, django_capture_on_commit_callbacks, mailoutbox
):
    mailoutbox.clear()  # the join's own email ("your membership is active", issue 19) is not under test here
    event = _foreign_events(paid)[kind]
    invoice = Invoice.objects.get()
    customer = StripeCustomer.objects.get(user=paid.user)
    subscription = newest_subscription(paid)
    before = (paid.status, paid.plan_id, subscription.status, invoice.status, invoice.amount_refunded_minor)

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200

    assert stored(event).status == WebhookEventStatus.IGNORED
    assert Subscription.objects.count() == 1 and Invoice.objects.count() == 1
    paid.refresh_from_db()
    subscription.refresh_from_db()
    invoice.refresh_from_db()
    customer.refresh_from_db()
    assert (paid.status, paid.plan_id, subscription.status, invoice.status, invoice.amount_refunded_minor) == before
    assert customer.email == paid.user.email
    assert mailoutbox == []


# --- Rejoining ------------------------------------------------------------------------------------


def _cancel_at_stripe(emulator, subscription, capture) -> None:
    deliver(
        emitted(emulator, lambda: gateway.subscription_cancel(subscription_id=subscription.stripe_subscription_id)),
        capture,
    )


def test_rejoin_after_cancel_starts_a_second_subscription_without_a_second_trial(
    client, club, member, trial_plan, stripe_emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    membership = join_and_pay(client, stripe_emulator, capture, user=member, plan=trial_plan)
    first = newest_subscription(membership)
    assert first.status == SubscriptionStatus.TRIALING
    _cancel_at_stripe(stripe_emulator, first, capture)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED

    # Rejoin on another plan that also offers a trial: the member had theirs.
    six_months = club.plans.get(name="6 months")
    six_months.trial_days = 14
    six_months.save()
    session_id = join(client, member, six_months)
    checkout_request = [r for r in stripe_emulator.requests if r["path"] == "/v1/checkout/sessions"][-1]
    assert "trial_period_days" not in checkout_request["params"]["subscription_data"]
    checkout = stripe_emulator.complete_checkout(session_id)
    deliver(checkout, capture)

    membership.refresh_from_db()
    second = newest_subscription(membership)
    assert membership.subscriptions.count() == 2
    assert second.pk != first.pk
    assert second.status == SubscriptionStatus.ACTIVE and second.trial_end is None
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.plan == six_months
    assert second.invoices.get().amount_paid_minor == 2700

    # A late event about the old subscription does not drive the membership any more.
    old = copy.deepcopy(one(stripe_emulator.events, "customer.subscription.deleted"))
    old.update(id="evt_late_resend_of_old_subscription", created=one(checkout, "invoice.paid")["created"] + 5)
    deliver([old], capture)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert stored(old).status == WebhookEventStatus.PROCESSED


@pytest.mark.parametrize("trial_days", [0, 14], ids=["no-trial", "trial"])
def test_rejoin_on_the_same_plan_right_after_a_cancel_opens_a_new_checkout(
    client, club, member, monthly, trial_days, stripe_emulator, django_capture_on_commit_callbacks, monkeypatch
):
    # One key window for the whole test, so the outcome never depends on the wall clock.
    monkeypatch.setattr(subscription_services, "CHECKOUT_KEY_WINDOW_SECONDS", 10**12)
    capture = django_capture_on_commit_callbacks
    monthly.trial_days = trial_days
    monthly.save()
    first_session = join(client, member, monthly)
    deliver(stripe_emulator.complete_checkout(first_session), capture)
    membership = Membership.objects.get(user=member)
    first = newest_subscription(membership)
    _cancel_at_stripe(stripe_emulator, first, capture)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELED

    session_id = join(client, member, monthly)
    assert session_id != first_session
    assert stripe_emulator.get(session_id)["status"] == "open"
    deliver(stripe_emulator.complete_checkout(session_id), capture)

    membership.refresh_from_db()
    second = newest_subscription(membership)
    assert second.pk != first.pk
    assert second.status == SubscriptionStatus.ACTIVE
    assert membership.status == MembershipStatus.ACTIVE
