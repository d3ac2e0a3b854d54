"""Referrals through the real checkout and webhook path (emulated Stripe): the friend's first-period discount,
the referrer's credit only after the friend's first successful payment, never twice, never for oneself."""

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.urls import reverse

from automations.exceptions import AutomationError
from automations.models import ClubAutomationSettings, Referral, ReferralStatus
from automations.selectors import referral_stats_for_club, referral_stats_for_member
from automations.services.referrals import referral_code_for, referral_reward_for_invoice, referral_start
from billing.models import Invoice, StripeCustomer
from tests.billing.flows import deliver, join_and_pay
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrer(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    user = UserFactory(display_name="Rita Referrer")
    join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.get(name="Monthly")
    )
    client.logout()
    return user


def _balance(emulator, user) -> int:
    return emulator.objects[StripeCustomer.objects.get(user=user).stripe_customer_id]["balance"]


def _arrive_through_link(client, club, referrer):
    code = referral_code_for(club=club, user=referrer)
    response = client.get(reverse("automations:referral-landing", args=[code.code]))
    assert response["Location"] == club.get_absolute_url()
    return code


def test_friend_gets_the_first_period_discount_and_the_referrer_a_credit_once_paid(
    client, club, referrer, stripe_emulator, django_capture_on_commit_callbacks
):
    _arrive_through_link(client, club, referrer)
    landing = client.get(club.get_absolute_url()).content.decode()
    assert "A member invited you: you get 20% off your first period" in landing

    friend = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=friend, plan=club.plans.get(name="Yearly")
    )

    first_invoice = Invoice.objects.get(subscription__membership=membership)
    assert first_invoice.amount_paid_minor == 3840  # $48 less 20%
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred, referral.status) == (referrer, friend, ReferralStatus.REWARDED)
    assert referral.stripe_invoice_id == first_invoice.stripe_invoice_id
    assert _balance(stripe_emulator, referrer) == -500  # $5 credit, taken off the referrer's next invoice
    assert stripe_emulator.objects[referral.stripe_balance_transaction_id]["amount"] == -500

    # Renewals (and redelivered events) never credit again.
    subscription = membership.subscriptions.get()
    deliver(
        stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=True),
        django_capture_on_commit_callbacks,
    )
    paid_event = next(
        event
        for event in stripe_emulator.events
        if event["type"] == "invoice.paid" and event["data"]["object"]["id"] == first_invoice.stripe_invoice_id
    )
    assert referral_reward_for_invoice(stripe_invoice=paid_event["data"]["object"]) == "Referral already rewarded."
    assert _balance(stripe_emulator, referrer) == -500
    assert Referral.objects.get().credit_minor == 500

    assert referral_stats_for_member(club=club, user=referrer).paid == 1
    club_stats = referral_stats_for_club(club=club)
    assert (club_stats.joined, club_stats.paid, club_stats.credit_minor) == (1, 1, 500)


def test_referrers_credit_waits_for_the_first_successful_payment_after_a_trial(
    client, club, referrer, stripe_emulator, django_capture_on_commit_callbacks
):
    yearly = club.plans.get(name="Yearly")
    yearly.trial_days = 14
    yearly.save()
    _arrive_through_link(client, club, referrer)
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=yearly
    )
    assert Referral.objects.get().status == ReferralStatus.PENDING  # the trial invoice is $0: nothing paid yet

    subscription = membership.subscriptions.get()
    deliver(
        stripe_emulator.end_trial(subscription.stripe_subscription_id, succeed=False),
        django_capture_on_commit_callbacks,
    )
    assert Referral.objects.get().status == ReferralStatus.PENDING  # the payment failed
    assert _balance(stripe_emulator, referrer) == 0

    failed = Invoice.objects.get(subscription=subscription, status="open")
    deliver(stripe_emulator.pay_invoice(failed.stripe_invoice_id), django_capture_on_commit_callbacks)
    assert Referral.objects.get().status == ReferralStatus.REWARDED
    assert _balance(stripe_emulator, referrer) == -500
    failed.refresh_from_db()
    assert failed.amount_paid_minor == 3840  # the friend's discount waited for the first paid period too


def test_own_referral_link_is_refused(client, club, referrer):
    code = referral_code_for(club=club, user=referrer)
    client.force_login(referrer)
    response = client.get(reverse("automations:referral-landing", args=[code.code]))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This is your own referral link: share it with friends, it gives them a discount."
    ]
    assert "automations_referrals" not in client.session

    own_membership = referrer.memberships.get()
    with pytest.raises(AutomationError, match="your own referral link"):
        referral_start(membership=own_membership, code=code.code)
    assert not Referral.objects.exists()


def test_database_refuses_a_self_referral_and_a_second_referral_of_the_same_friend(club):
    code = referral_code_for(club=club, user=MembershipFactory(club=club).user)
    friend = MembershipFactory(club=club)
    fields = {"club": club, "code": code, "friend_percent_off": 20, "credit_minor": 500, "currency": "USD"}
    with pytest.raises(IntegrityError):
        Referral.objects.create(referrer=code.user, referred=code.user, membership=friend, **fields)


def test_one_referral_per_friend_even_through_another_members_link(club):
    first = referral_code_for(club=club, user=MembershipFactory(club=club).user)
    second = referral_code_for(club=club, user=MembershipFactory(club=club).user)
    friend = MembershipFactory(club=club, status="pending", started_at=None)
    referral_start(membership=friend, code=first.code)
    assert referral_start(membership=friend, code=first.code) == Referral.objects.get()  # a retried checkout
    Referral.objects.update(status=ReferralStatus.REWARDED)
    with pytest.raises(AutomationError, match="once per member"):
        referral_start(membership=friend, code=second.code)


def test_referrals_switched_off_give_no_discount(
    client, club, referrer, stripe_emulator, django_capture_on_commit_callbacks
):
    ClubAutomationSettings.objects.create(club=club, referrals_enabled=False)
    _arrive_through_link(client, club, referrer)
    membership = join_and_pay(
        client,
        stripe_emulator,
        django_capture_on_commit_callbacks,
        user=UserFactory(),
        plan=club.plans.get(name="Yearly"),
    )
    assert Invoice.objects.get(subscription__membership=membership).amount_paid_minor == 4800
    assert not Referral.objects.exists()


def test_member_sees_their_link_and_stats(client, club, referrer):
    client.force_login(referrer)
    response = client.get(reverse("automations:my-referrals", args=[club.slug]))
    code = referral_code_for(club=club, user=referrer)
    html = response.content.decode()
    assert reverse("automations:referral-landing", args=[code.code]) in html
    assert 'id="referrals-joined">0<' in html
