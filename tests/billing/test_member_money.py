"""Issue 15, the member's side of money: plan switches at the server's moment, credit a downgrade leaves,
a declined card on an upgrade, what every banner says, and complimentary access that never charges.

Stripe-side state comes from the emulator; its events reach the site signed, through the real webhook endpoint.
Expected figures come from the plans' prices and the emulator's own objects, never from the code under test.
"""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from automations.models import ClubAutomationSettings
from billing.models import Invoice, StripeCustomer, Subscription
from billing.selectors import mrr_by_club_and_plan
from billing.services.events import from_timestamp
from billing.services.subscriptions import PLAN_SWITCH_PURPOSE
from clubs.models import Club, Membership, MembershipStatus
from core.formatting import format_date
from core.tokens import token_make
from devtools import stripe_emulator as emulators
from devtools.stripe_emulator import StripeEmulator
from tests.billing.flows import deliver, join_and_pay
from tests.billing.stripe_events import stripe_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = "That price is out of date or was not for this switch. Check the amount below, then confirm again."
DAY = 86400


def flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def switch_url(club, plan) -> str:
    return reverse("billing:plan-switch", args=[club.slug, plan.pk])


def billing_html(client, club) -> str:
    return client.get(reverse("billing:club-billing", args=[club.slug])).content.decode()


def emitted_while(emulator, action):
    mark = len(emulator.events)
    result = action()
    return result, list(emulator.events[mark:])


def stripe_item(emulator, subscription: Subscription) -> dict:
    return emulator.get(subscription.stripe_subscription_id)["items"]["data"][0]


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def plans(club):
    return {plan.name: plan for plan in club.plans.all()}


@pytest.fixture
def on_yearly(client, club, plans, stripe_emulator, capture):
    return join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=plans["Yearly"])


@pytest.fixture
def on_monthly(client, club, plans, stripe_emulator, capture):
    return join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=plans["Monthly"])


@pytest.fixture
def shifted_emulator():
    """An emulator whose clock the test moves: a subscription can be bought 330 days ago."""
    offset = [0]
    emulator = StripeEmulator(clock=lambda: time.time() + offset[0])
    emulators.install(emulator)
    emulator.offset = offset
    yield emulator
    emulators.install(None)


def switch(client, club, plan, emulator, capture, **extra):
    """Preview, then confirm with the preview's own token; returns (preview, followed response)."""
    preview = client.get(switch_url(club, plan)).context["preview"]
    response, events = emitted_while(
        emulator, lambda: client.post(switch_url(club, plan), {"preview": preview.token, **extra}, follow=True)
    )
    deliver(events, capture)
    return preview, response


# --- 1. The proration date is the server's -----------------------------------------------------------------


def test_posted_old_period_start_proration_date_yields_no_extra_credit(client, club, plans, shifted_emulator, capture):
    """Regression: a yearly member 330 days in posted their period start and got a whole year of credit."""
    shifted_emulator.offset[0] = -330 * DAY
    membership = join_and_pay(client, shifted_emulator, capture, user=UserFactory(), plan=plans["Yearly"])
    shifted_emulator.offset[0] = 0
    subscription = membership.subscriptions.get()
    item = stripe_item(shifted_emulator, subscription)
    start, end = item["current_period_start"], item["current_period_end"]

    preview, response = switch(client, club, plans["Monthly"], shifted_emulator, capture, proration_date=str(start))
    assert flash(response) == ["You are now on the Monthly plan."]

    updates = [
        r for r in shifted_emulator.requests if r["path"].startswith("/v1/subscriptions/") and r["method"] == "POST"
    ]
    assert updates[-1]["params"]["proration_date"] == str(preview.proration_date) != str(start)
    # Reference: Stripe's proration for the unused time from the previewed moment (35 of 365 days left).
    unused = round(4800 * (end - preview.proration_date) / (end - start))
    assert 400 < unused < 500
    invoice = Invoice.objects.get(billing_reason="subscription_update")
    assert invoice.amount_paid_minor == 500 - unused  # the new month, less the unused time: no credit left
    assert StripeCustomer.objects.get(user=membership.user).balance_minor == 0
    assert "credit; it pays your next invoices" not in billing_html(client, club)


@pytest.mark.parametrize("kind", ["forged", "expired", "other_member", "other_plan", "missing"])
def test_plan_switch_refuses_a_forged_expired_or_other_members_preview_and_changes_nothing(
    kind, client, club, plans, on_monthly, stripe_emulator, capture, monkeypatch
):
    yearly = plans["Yearly"]
    subscription = on_monthly.subscriptions.get()
    client.force_login(on_monthly.user)
    own = client.get(switch_url(club, yearly)).context["preview"]
    if kind == "forged":
        token = own.token[:-2] + ("AA" if not own.token.endswith("AA") else "BB")
    elif kind == "expired":
        real = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: real - 11 * 60)
        token = token_make(
            purpose=PLAN_SWITCH_PURPOSE,
            parts=[on_monthly.pk, subscription.stripe_subscription_id, own_price(yearly), int(real) - 11 * 60],
        )
        monkeypatch.undo()
    elif kind == "other_member":
        other = join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=plans["Monthly"])
        token = client.get(switch_url(club, yearly)).context["preview"].token  # made for `other`
        assert other.user_id != on_monthly.user_id
        client.force_login(on_monthly.user)
    elif kind == "other_plan":
        token = client.get(switch_url(club, plans["6 months"])).context["preview"].token
    else:
        token = ""
    before = len(stripe_emulator.events)
    response = client.post(switch_url(club, yearly), {"preview": token, "proration_date": "1"}, follow=True)

    assert REFUSED in flash(response)
    assert response.context["preview"].plan == yearly  # a fresh preview to check and confirm
    assert len(stripe_emulator.events) == before
    assert not [r for r in stripe_emulator.requests if r["method"] == "POST" and "proration_date" in r["params"]]
    subscription.refresh_from_db()
    assert subscription.plan == plans["Monthly"]
    assert stripe_item(stripe_emulator, subscription)["price"]["unit_amount"] == 500


def own_price(plan) -> str:
    return plan.stripe_prices.get(active=True).stripe_price_id


# --- 2. Credit after a downgrade ---------------------------------------------------------------------------


def test_yearly_to_monthly_credit_shows_on_billing_page_preview_admin_and_invoices(
    client, admin_client, club, plans, on_yearly, stripe_emulator, capture
):
    client.force_login(on_yearly.user)
    credit = 4800 - 500  # a whole unused year, less the first month of the new plan

    page = client.get(switch_url(club, plans["Monthly"])).content.decode()
    assert "This switch leaves you $43.00 credit; it pays your next invoices." in page

    _preview, response = switch(client, club, plans["Monthly"], stripe_emulator, capture)
    assert "You have $43.00 credit; it pays your next invoices." in response.content.decode()
    customer = StripeCustomer.objects.get(user=on_yearly.user)
    assert customer.balance_minor == stripe_emulator.get(customer.stripe_customer_id)["balance"] == -credit
    switch_invoice = Invoice.objects.get(billing_reason="subscription_update")
    assert (switch_invoice.amount_paid_minor, switch_invoice.credit_created_minor) == (0, credit)
    assert "$43.00 credit added" in billing_html(client, club)

    # Staff see the balance on the customer and the subscription, and the credit on the invoice.
    assert "$43.00 credit" in admin_client.get(reverse("admin:billing_stripecustomer_changelist")).content.decode()
    assert "$43.00 credit" in admin_client.get(reverse("admin:billing_subscription_changelist")).content.decode()
    assert "$43.00 added" in admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()

    # The next month is paid from the credit: Stripe's invoice and the mirror agree.
    subscription = on_yearly.subscriptions.get()
    deliver(stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True), capture)
    renewal = Invoice.objects.get(billing_reason="subscription_cycle")
    at_stripe = stripe_emulator.get(renewal.stripe_invoice_id)
    assert renewal.credit_applied_minor == at_stripe["ending_balance"] - at_stripe["starting_balance"] == 500
    assert renewal.amount_paid_minor == 0
    html = billing_html(client, club)
    assert "$5.00 paid from credit" in html
    assert "You have $38.00 credit; it pays your next invoices." in html


def test_customer_updated_event_mirrors_the_balance_and_an_older_one_is_skipped(post_event, on_yearly, capture):
    customer = StripeCustomer.objects.get(user=on_yearly.user)
    snapshot = {"id": customer.stripe_customer_id, "object": "customer", "email": customer.email, "currency": "usd"}
    now = int(time.time())
    with capture(execute=True):
        newer = post_event(stripe_event("customer.updated", {**snapshot, "balance": -4300}, created=now))
    assert newer.status_code == 200
    customer.refresh_from_db()
    assert (customer.balance_minor, customer.balance_currency) == (-4300, "USD")
    with capture(execute=True):
        post_event(stripe_event("customer.updated", {**snapshot, "balance": 0}, created=now - 60))
    customer.refresh_from_db()
    assert customer.balance_minor == -4300


# --- 3. A declined card on an upgrade ----------------------------------------------------------------------


def test_declined_card_on_upgrade_tells_the_member_and_changes_nothing(
    client, club, plans, on_monthly, stripe_emulator, capture
):
    client.force_login(on_monthly.user)
    customer = StripeCustomer.objects.get(user=on_monthly.user)
    stripe_emulator.decline_card(customer.stripe_customer_id)
    subscription = on_monthly.subscriptions.get()
    invoices_before = Invoice.objects.count()

    _preview, response = switch(client, club, plans["Yearly"], stripe_emulator, capture)

    messages = flash(response)
    assert any("Your card was declined" in message and "your plan has not changed" in message for message in messages)
    subscription.refresh_from_db()
    on_monthly.refresh_from_db()
    assert (subscription.plan, on_monthly.plan, on_monthly.status) == (
        plans["Monthly"],
        plans["Monthly"],
        MembershipStatus.ACTIVE,
    )
    at_stripe = stripe_emulator.get(subscription.stripe_subscription_id)
    assert (at_stripe["status"], at_stripe["items"]["data"][0]["price"]["unit_amount"]) == ("active", 500)
    assert Invoice.objects.count() == invoices_before
    assert not [
        obj
        for obj in stripe_emulator.objects.values()
        if obj["object"] == "invoice" and obj["billing_reason"] == "subscription_update"
    ]


# --- 4. Status the member sees -----------------------------------------------------------------------------


def banners(client, club) -> dict[str, str]:
    return {
        "club home": client.get(reverse("clubs:club-home", args=[club.slug])).content.decode(),
        "billing": billing_html(client, club),
        "my clubs": client.get(reverse("clubs:my-clubs")).content.decode(),
    }


def test_cancel_at_period_end_every_banner_says_ends_on_and_resume_reverses_it(
    client, club, on_monthly, stripe_emulator, capture
):
    client.force_login(on_monthly.user)
    subscription = on_monthly.subscriptions.get()
    end = format_date(from_timestamp(stripe_item(stripe_emulator, subscription)["current_period_end"]))

    _, events = emitted_while(
        stripe_emulator, lambda: client.post(reverse("billing:subscription-cancel", args=[club.slug]))
    )
    deliver(events, capture)
    for page, html in banners(client, club).items():
        assert f"nds on {end}" in html or (f'nds on</dt><dd class="col-sm-7">{end}' in html), page
        assert "enews on" not in html, page

    _, events = emitted_while(
        stripe_emulator, lambda: client.post(reverse("billing:subscription-resume", args=[club.slug]))
    )
    deliver(events, capture)
    for page, html in banners(client, club).items():
        if page != "billing":
            assert f"enews on {end}" in html, page
        assert "nds on" not in html, page


def test_past_due_billing_page_offers_to_pay_the_open_invoice_now(client, club, on_monthly, stripe_emulator, capture):
    client.force_login(on_monthly.user)
    subscription = on_monthly.subscriptions.get()
    deliver(stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False), capture)
    on_monthly.refresh_from_db()
    assert on_monthly.status == MembershipStatus.PAST_DUE
    open_at_stripe = stripe_emulator.get(stripe_emulator.get(subscription.stripe_subscription_id)["latest_invoice"])
    assert open_at_stripe["status"] == "open"

    html = billing_html(client, club)
    assert f'href="{open_at_stripe["hosted_invoice_url"]}"' in html
    assert "Pay $5.00 now" in html
    assert "No payment has been set up" not in html
    assert 'name="flow" value="update_card"' in html  # or fix the card in the Customer Portal


def test_accepted_save_offer_shows_the_discounted_next_payment_on_billing_page_and_admin(
    client, admin_client, club, on_monthly, stripe_emulator, capture
):
    ClubAutomationSettings.objects.create(club=club, save_offer_enabled=True, save_offer_percent=50)
    client.force_login(on_monthly.user)
    subscription = on_monthly.subscriptions.get()
    end = format_date(from_timestamp(stripe_item(stripe_emulator, subscription)["current_period_end"]))
    client.get(reverse("automations:cancel-membership", args=[club.slug]))
    _, events = emitted_while(
        stripe_emulator, lambda: client.post(reverse("automations:save-offer-accept", args=[club.slug]))
    )
    deliver(events, capture)

    assert f"$2.50 on {end}" in billing_html(client, club)
    assert "$2.50 (discount 50%" in admin_client.get(reverse("admin:billing_subscription_changelist")).content.decode()

    # Stripe charges what the page said; the coupon is used up and the full price shows again.
    deliver(stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True), capture)
    assert Invoice.objects.get(billing_reason="subscription_cycle").amount_paid_minor == 250
    next_end = format_date(from_timestamp(stripe_item(stripe_emulator, subscription)["current_period_end"]))
    assert f"$5.00 on {next_end}" in billing_html(client, club)


# --- 5. Complimentary access -------------------------------------------------------------------------------


def grant(admin_client, membership, **extra):
    return admin_client.post(
        reverse("admin:clubs_membership_grant_complimentary"),
        {"user": membership.user.pk, "club": membership.club.pk, "reason": "Partner", **extra},
        follow=True,
    )


def test_complimentary_grant_is_refused_for_a_member_with_a_live_paid_subscription(
    admin_client, on_monthly, stripe_emulator
):
    before = len(stripe_emulator.events)
    response = grant(admin_client, on_monthly)
    html = response.content.decode()
    assert "still pays for" in html and "Choose to stop the paid subscription" in html
    on_monthly.refresh_from_db()
    assert not on_monthly.is_complimentary
    assert len(stripe_emulator.events) == before
    subscription = on_monthly.subscriptions.get()
    assert stripe_emulator.get(subscription.stripe_subscription_id)["cancel_at_period_end"] is False


def test_complimentary_grant_on_staff_choice_stops_the_subscription_and_mrr_agrees_with_member_page(
    client, admin_client, club, on_monthly, stripe_emulator, capture
):
    subscription = on_monthly.subscriptions.get()
    _, events = emitted_while(stripe_emulator, lambda: grant(admin_client, on_monthly, stop_paid_subscription="on"))
    deliver(events, capture)
    on_monthly.refresh_from_db()
    assert on_monthly.is_complimentary and on_monthly.status == MembershipStatus.ACTIVE
    assert stripe_emulator.get(subscription.stripe_subscription_id)["cancel_at_period_end"] is True

    client.force_login(on_monthly.user)
    html = billing_html(client, club)
    assert "This membership is complimentary: there is nothing to pay." in html
    assert "Next payment" not in html and "Resume my membership" not in html
    today = Period(first_day=time_today() - timedelta(days=29), last_day=time_today(), time_zone="UTC")
    money = period_metrics(clubs=Club.objects.filter(pk=club.pk), period=today).clubs[0].money
    assert mrr_by_club_and_plan() == [] and money.minor("mrr_end") == 0
    assert (
        client.post(reverse("billing:subscription-resume", args=[club.slug]), follow=True).context["messages"]
        and stripe_emulator.get(subscription.stripe_subscription_id)["cancel_at_period_end"] is True
    )

    # The paid period ends: Stripe charges nothing more, and the gift keeps the member in.
    deliver(stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True), capture)
    on_monthly.refresh_from_db()
    assert stripe_emulator.get(subscription.stripe_subscription_id)["status"] == "canceled"
    assert not Invoice.objects.filter(billing_reason="subscription_cycle").exists()
    assert on_monthly.is_complimentary and on_monthly.status == MembershipStatus.ACTIVE
    assert Membership.objects.filter(pk=on_monthly.pk).with_access().exists()


def time_today():
    from django.utils import timezone

    return timezone.now().date()
