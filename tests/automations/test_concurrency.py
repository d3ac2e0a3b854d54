"""Two beats (or two workers) at the same moment still send each message once (PostgreSQL: real row locks)."""

from datetime import timedelta

import pytest
from django.core import mail

from automations.models import AutomationKind, AutomationSend, Referral, ReferralStatus
from automations.services.referrals import referral_reward_for_invoice
from automations.services.triggers import automation_run_kind
from billing.models import StripeCustomer
from tests.automations.conftest import NOW
from tests.concurrency import at_once, require_postgresql
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory


def _at_once(target, count=2):
    results, errors = at_once(*[target] * count)
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_runs_claim_and_send_once():
    require_postgresql()
    club = ClubFactory()
    MembershipFactory(club=club, plan=PlanFactory(club=club), started_at=NOW - timedelta(hours=1))

    results = _at_once(lambda: automation_run_kind(club=club, kind=AutomationKind.WELCOME, now=NOW))

    assert sorted(results) == [0, 1]
    assert AutomationSend.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_paid_events_credit_the_referrer_once(stripe_emulator):
    require_postgresql()
    from automations.services.referrals import referral_code_for
    from billing.services.subscriptions import customer_for_user

    club = ClubFactory()
    referrer = UserFactory()
    customer = customer_for_user(user=referrer)
    friend = MembershipFactory(club=club, plan=PlanFactory(club=club))
    code = referral_code_for(club=club, user=referrer)
    Referral.objects.create(
        club=club,
        code=code,
        referrer=referrer,
        referred=friend.user,
        membership=friend,
        friend_percent_off=20,
        credit_minor=500,
        currency="USD",
    )
    invoice = {
        "id": "in_test_first",
        "status": "paid",
        "amount_paid": 400,
        "parent": {
            "subscription_details": {"subscription": "sub_unknown", "metadata": {"membership_id": str(friend.pk)}}
        },
    }

    _at_once(lambda: referral_reward_for_invoice(stripe_invoice=invoice))

    assert Referral.objects.get().status == ReferralStatus.REWARDED
    assert stripe_emulator.objects[StripeCustomer.objects.get(pk=customer.pk).stripe_customer_id]["balance"] == -500
