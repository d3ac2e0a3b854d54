"""The member billing page in every state, the checkout return page, and the demo checkout guard."""

from datetime import timedelta

import pytest
from django.urls import reverse

from billing import gateway
from billing.models import Invoice
from clubs.models import Membership, MembershipStatus
from tests.billing.test_lifecycle import deliver, emitted, join, join_and_pay, newest_subscription
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CANCEL = "Cancel at the end of the period"
RESUME = "Resume my membership"
COMPLETE = "Complete payment"
REJOIN = "Rejoin"
UPDATE_CARD = "Update card"
CHANGE_PLAN = "Change plan"
NEXT_PAYMENT = "Next payment"
ENDS_ON = "Ends on"
NO_SUBSCRIPTION = "No payment has been set up for this membership yet."
NO_PAYMENTS = "No payments yet."
LABELS = (
    CANCEL,
    RESUME,
    COMPLETE,
    REJOIN,
    UPDATE_CARD,
    CHANGE_PLAN,
    NEXT_PAYMENT,
    ENDS_ON,
    NO_SUBSCRIPTION,
    NO_PAYMENTS,
)


def _trialing(client, club, user, emulator, capture):
    plan = club.plans.get(name="Monthly")
    plan.trial_days = 14
    plan.save()
    join_and_pay(client, emulator, capture, user=user, plan=plan)


def _active(client, club, user, emulator, capture):
    join_and_pay(client, emulator, capture, user=user, plan=club.plans.get(name="Monthly"))


def _cancelling(client, club, user, emulator, capture):
    _active(client, club, user, emulator, capture)
    client.post(reverse("billing:subscription-cancel", args=[club.slug]))


def _past_due(client, club, user, emulator, capture):
    _active(client, club, user, emulator, capture)
    subscription = newest_subscription(Membership.objects.get(user=user))
    deliver(emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False), capture)


def _canceled(client, club, user, emulator, capture):
    _active(client, club, user, emulator, capture)
    subscription = newest_subscription(Membership.objects.get(user=user))
    deliver(
        emitted(emulator, lambda: gateway.subscription_cancel(subscription_id=subscription.stripe_subscription_id)),
        capture,
    )


def _pending(client, club, user, emulator, capture):
    join(client, user, club.plans.get(name="Monthly"))  # went to Checkout, never paid


STATES = {
    # state: (builder, membership status, status line, labels shown; every other label is absent)
    "trialing": (
        _trialing,
        MembershipStatus.TRIALING,
        "trial ends on",
        {CANCEL, UPDATE_CARD, CHANGE_PLAN, NEXT_PAYMENT},
    ),
    "active": (_active, MembershipStatus.ACTIVE, "renews on", {CANCEL, UPDATE_CARD, CHANGE_PLAN, NEXT_PAYMENT}),
    "active, cancelling at period end": (
        _cancelling,
        MembershipStatus.ACTIVE,
        "ends on",  # issue 15: never "renews on" once the member cancelled
        {RESUME, UPDATE_CARD, ENDS_ON},
    ),
    "past_due": (
        _past_due,
        MembershipStatus.PAST_DUE,
        "your last payment failed; access continues until",
        {CANCEL, UPDATE_CARD, CHANGE_PLAN},  # issue 15: "Pay now" for the open invoice instead of a next payment
    ),
    "canceled": (_canceled, MembershipStatus.CANCELED, "we would love to have you back.", {REJOIN, UPDATE_CARD}),
    "pending, no subscription": (
        _pending,
        MembershipStatus.PENDING,
        "waiting for payment.",
        {COMPLETE, NO_SUBSCRIPTION, NO_PAYMENTS},
    ),
}


@pytest.mark.parametrize("state", list(STATES))
def test_billing_page_shows_the_actions_and_history_of_each_state(
    state, client, club, stripe_emulator, django_capture_on_commit_callbacks, monkeypatch
):
    build, status, status_line, shown = STATES[state]
    user = UserFactory()
    build(client, club, user, stripe_emulator, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user=user)
    assert membership.status == status

    response = client.get(reverse("billing:club-billing", args=[club.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert status_line in html
    for label in LABELS:
        if label == REJOIN:
            assert (f">{REJOIN}</button>" in html) == (label in shown), label
        else:
            assert (label in html) == (label in shown), label

    forms = {
        "billing:subscription-cancel": CANCEL in shown,
        "billing:subscription-resume": RESUME in shown,
        "billing:checkout-start": bool({COMPLETE, REJOIN} & shown),
        "billing:billing-portal": UPDATE_CARD in shown,
    }
    for name, present in forms.items():
        assert (f'action="{reverse(name, args=[club.slug])}"' in html) == present, name
    yearly = club.plans.get(name="Yearly")
    assert (reverse("billing:plan-switch", args=[club.slug, yearly.pk]) in html) == (CHANGE_PLAN in shown)

    invoices = list(Invoice.objects.filter(subscription__membership=membership))
    assert bool(invoices) == (NO_PAYMENTS not in shown)
    for invoice in invoices:
        assert invoice.hosted_invoice_url.startswith("https://invoice.stripe.com/")
        assert f'href="{invoice.hosted_invoice_url}"' in html
        assert f'href="{invoice.invoice_pdf}"' in html
    if state == "past_due":
        assert "btn-warning" in html  # the card update is the one thing to do
        assert Invoice.objects.get(status="open").amount_due_minor == 500
        assert '<span class="badge text-bg-warning">open</span>' in html


def test_billing_page_is_404_without_a_membership_of_the_club(client, club):
    client.force_login(UserFactory())
    assert client.get(reverse("billing:club-billing", args=[club.slug])).status_code == 404


# --- Checkout return page ------------------------------------------------------------------------

WAITING = "Stripe is confirming your payment."
CONFIRMED = "Your payment is confirmed."


def test_checkout_success_page_waits_for_the_webhook_then_confirms(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    events = stripe_emulator.complete_checkout(join(client, user, club.plans.get(name="Yearly")))
    url = reverse("billing:checkout-success", args=[club.slug])

    page = client.get(url).content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert WAITING in page and CONFIRMED not in page
    assert "<html" in page
    assert WAITING in partial and "<html" not in partial
    assert f'hx-get="{url}"' in partial  # keeps polling

    deliver(events, django_capture_on_commit_callbacks)

    page = client.get(url).content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert CONFIRMED in page and WAITING not in page
    assert CONFIRMED in partial and "<html" not in partial and "hx-get" not in partial
    assert reverse("clubs:club-home", args=[club.slug]) in partial


# --- Demo checkout -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debug", "secret_key"), [(False, ""), (True, "sk_test_real_key")], ids=["debug-off", "stripe-key-set"]
)
def test_demo_checkout_is_refused_outside_demo_mode(
    debug, secret_key, settings, client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    session_id = join(client, user, club.plans.get(name="Monthly"))
    settings.DEBUG = debug
    settings.STRIPE_SECRET_KEY = secret_key
    url = reverse("devtools:demo-checkout", args=[session_id])

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404

    assert stripe_emulator.get(session_id)["status"] == "open"
    assert Membership.objects.get(user=user).status == MembershipStatus.PENDING


def test_demo_checkout_in_demo_mode_pays_through_the_real_webhook_endpoint(
    settings, client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    user = UserFactory()
    session_id = join(client, user, club.plans.get(name="Monthly"))
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    url = reverse("devtools:demo-checkout", args=[session_id])
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    success = reverse("billing:checkout-success", args=[club.slug])
    assert response.status_code == 302
    assert response["Location"].endswith(f"{success}?session_id={session_id}")
    assert Membership.objects.get(user=user).status == MembershipStatus.ACTIVE
    assert stripe_emulator.get(session_id)["status"] == "complete"


# --- Query budget --------------------------------------------------------------------------------

# The same with 1, 24 or 40 invoices (+1: the club's pause settings, services/pause.py; +1: the notifications bell).
BILLING_PAGE_QUERIES = 10


def _add_invoices(membership, count: int) -> None:
    subscription = newest_subscription(membership)
    first = subscription.invoices.get()
    Invoice.objects.bulk_create(
        Invoice(
            stripe_invoice_id=f"in_history_{number}",
            customer=first.customer,
            subscription=subscription,
            stripe_subscription_id=subscription.stripe_subscription_id,
            status="paid",
            billing_reason="subscription_cycle",
            currency="USD",
            amount_due_minor=500,
            amount_paid_minor=500,
            amount_refunded_minor=100 if number % 3 == 0 else 0,
            hosted_invoice_url=f"https://invoice.stripe.com/i/acct_emulated/test_{number}",
            invoice_pdf=f"https://invoice.stripe.com/i/acct_emulated/test_{number}/pdf",
            stripe_created=first.stripe_created - timedelta(days=30 * (number + 1)),
        )
        for number in range(count)
    )


@pytest.mark.parametrize(("invoices", "shown"), [(1, 1), (24, 24), (40, 24)])
def test_billing_page_query_count_does_not_grow_with_the_payment_history(
    invoices, shown, client, club, stripe_emulator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    user = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    _add_invoices(membership, invoices - 1)
    url = reverse("billing:club-billing", args=[club.slug])

    with django_assert_max_num_queries(BILLING_PAGE_QUERIES):
        response = client.get(url)

    assert len(response.context["billing"].invoices) == shown
    assert response.content.decode().count(">PDF</a>") == shown
