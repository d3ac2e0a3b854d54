"""The price ledger follows billing's subscriptions, so MRR agrees with billing's own MRR overview."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import SubscriptionPriceChange
from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from billing.selectors import mrr_by_club_and_plan, mrr_totals_by_currency
from billing.services.subscriptions import subscription_switch_plan, subscription_switch_preview
from clubs.models import Club
from tests.analytics.factories import history_replay
from tests.billing.flows import join_and_pay
from tests.factories import PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def _today(club) -> Period:
    today = timezone.now().date()
    return Period(first_day=today - timedelta(days=29), last_day=today, time_zone="UTC")


def test_mrr_at_the_end_matches_billing_s_mrr_overview(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    monthly, six, yearly = club.plans.order_by("order")
    for plan in (monthly, monthly, six, yearly):
        join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=plan)
    trial_plan = PlanFactory(club=club, name="Trial monthly", price_minor=500, trial_days=14, order=5)
    join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=trial_plan)

    money = period_metrics(clubs=Club.objects.filter(pk=club.pk), period=_today(club)).clubs[0].money

    assert money.minor("mrr_end") == mrr_totals_by_currency(mrr_by_club_and_plan())["USD"] == 1850
    assert (money.minor("new"), money.paying_end) == (1850, 4)


def test_a_plan_switch_adds_a_ledger_row_and_counts_as_expansion_or_contraction(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    monthly, six, _yearly = club.plans.order_by("order")
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=monthly
    )
    subscription = membership.subscriptions.get()
    assert list(subscription.price_changes.values_list("amount_minor", flat=True)) == [500]
    subscription.price_changes.update(effective_at=timezone.now() - timedelta(days=60))
    membership.status_changes.update(changed_at=timezone.now() - timedelta(days=60))
    history_replay(membership=membership)  # the access records follow the backdated history

    with django_capture_on_commit_callbacks(execute=True):
        preview = subscription_switch_preview(membership=membership, plan=six)
        subscription_switch_plan(membership=membership, plan=six, preview_token=preview.token)

    rows = list(SubscriptionPriceChange.objects.filter(subscription=subscription).order_by("effective_at"))
    assert [(row.amount_minor, row.monthly_amount_minor) for row in rows] == [(500, 500), (2700, 450)]
    money = period_metrics(clubs=Club.objects.filter(pk=club.pk), period=_today(club)).clubs[0].money
    assert (money.mrr_start, money.mrr_end, money.contraction, money.new) == (500, 450, 50, 0)


def test_saving_a_subscription_without_a_price_change_adds_nothing(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=club.plans.first()
    )
    subscription = membership.subscriptions.get()
    subscription.cancel_at_period_end = True
    subscription.save()
    assert subscription.price_changes.count() == 1
