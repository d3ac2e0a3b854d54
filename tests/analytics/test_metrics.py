"""Each period figure against small hand-computed fixtures (January 2026, UTC)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from billing.models import Invoice
from clubs.models import Club
from tests.analytics.factories import member_with_history, subscription_with_prices
from tests.factories import ClubFactory, PlanFactory

pytestmark = pytest.mark.django_db

JANUARY = Period(first_day=date(2026, 1, 1), last_day=date(2026, 1, 30))  # 30 days: Jan 1 to Jan 31 00:00
BEFORE = datetime(2025, 12, 1, tzinfo=UTC)
DURING = datetime(2026, 1, 15, tzinfo=UTC)
AFTER = datetime(2026, 2, 10, tzinfo=UTC)


def metrics_of(club):
    return period_metrics(clubs=Club.objects.filter(pk=club.pk), period=JANUARY).clubs[0]


def plans_of(club):
    return club.plans.order_by("order")


def test_retention_is_members_kept_from_the_start_over_members_at_the_start(club):
    monthly = plans_of(club)[0]
    for index in range(100):
        history = [(BEFORE, "active")]
        if index < 10:
            history.append((DURING, "canceled"))
        member_with_history(club=club, plan=monthly, history=history)
    for _index in range(15):
        member_with_history(
            club=club, plan=monthly, history=[(DURING, "pending"), (DURING + timedelta(hours=1), "active")]
        )

    members = metrics_of(club).members

    assert (members.start, members.new, members.end) == (100, 15, 105)
    assert members.retention_rate == 90
    assert (members.churned, members.churn_rate) == (10, 10)


def test_members_who_leave_after_the_period_and_pending_ones_do_not_change_it(club):
    monthly = plans_of(club)[0]
    member_with_history(club=club, plan=monthly, history=[(BEFORE, "active"), (AFTER, "canceled")])
    member_with_history(club=club, plan=monthly, history=[(DURING, "pending")])
    member_with_history(club=club, plan=monthly, history=[(AFTER, "active")])
    members = metrics_of(club).members
    assert (members.start, members.new, members.end, members.churned) == (1, 0, 1, 0)


def test_a_member_who_lapsed_and_came_back_counts_as_new_and_as_churned(club):
    monthly = plans_of(club)[0]
    member_with_history(
        club=club,
        plan=monthly,
        history=[(BEFORE, "active"), (DURING, "canceled"), (DURING + timedelta(days=3), "active")],
    )
    members = metrics_of(club).members
    assert (members.start, members.end, members.new) == (1, 1, 0)
    assert members.retention_rate == 100


def test_past_due_members_stay_members_and_no_members_at_start_means_no_retention(club):
    monthly = plans_of(club)[0]
    member_with_history(club=club, plan=monthly, history=[(DURING, "active"), (DURING + timedelta(days=2), "past_due")])
    members = metrics_of(club).members
    assert (members.start, members.end, members.new) == (0, 1, 1)
    assert members.retention_rate is None and members.churn_rate is None


def _mrr_club(club):
    """Monthly 500, 6 months 2700 (450 a month), yearly 4800 (400 a month)."""
    monthly, six, yearly = plans_of(club)
    steady = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription_with_prices(membership=steady, prices=[(BEFORE, 500, 500)])
    joined = member_with_history(club=club, plan=yearly, history=[(DURING, "active")])
    subscription_with_prices(membership=joined, prices=[(DURING, 4800, 400)])
    downgraded = member_with_history(club=club, plan=six, history=[(BEFORE, "active")])
    subscription_with_prices(membership=downgraded, prices=[(BEFORE, 500, 500), (DURING, 2700, 450)])
    upgraded = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription_with_prices(membership=upgraded, prices=[(BEFORE, 4800, 400), (DURING, 500, 500)])
    left = member_with_history(club=club, plan=six, history=[(BEFORE, "active"), (DURING, "canceled")])
    subscription_with_prices(membership=left, prices=[(BEFORE, 2700, 450)], ended_at=DURING)
    trial = member_with_history(club=club, plan=monthly, history=[(DURING, "trialing")])
    subscription_with_prices(membership=trial, prices=[(DURING, 500, 500)])
    member_with_history(club=club, plan=yearly, history=[(BEFORE, "active")], is_complimentary=True)
    return {"steady": steady, "joined": joined}


def test_mrr_movements_leave_out_trials_and_complimentary_members(club):
    _mrr_club(club)
    money = metrics_of(club).money
    assert (money.mrr_start, money.mrr_end) == (1850, 1850)
    assert (money.new, money.expansion, money.contraction, money.churned) == (400, 100, 50, 450)
    assert money.mrr_start + money.new + money.expansion - money.contraction - money.churned == money.mrr_end


def test_arpu_is_mrr_over_paying_members_and_ltv_divides_it_by_monthly_churn(club):
    _mrr_club(club)
    figures = metrics_of(club)
    # Paying at the end: steady, joined, downgraded, upgraded (trial and complimentary do not pay).
    assert figures.money.paying_end == 4
    assert figures.money.arpu == Decimal("462.5")
    # S = 5 (steady, downgraded, upgraded, left, complimentary), 1 left in 30 days.
    assert (figures.members.start, figures.members.churned) == (5, 1)
    monthly_churn = 1 - (4 / 5) ** (30.4375 / 30)
    assert figures.members.monthly_churn == pytest.approx(monthly_churn)
    assert float(figures.ltv) == pytest.approx(462.5 / monthly_churn)


def test_ltv_is_unknown_without_churn(club):
    monthly = plans_of(club)[0]
    steady = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription_with_prices(membership=steady, prices=[(BEFORE, 500, 500)])
    assert metrics_of(club).ltv is None


def test_average_tenure_counts_days_from_the_first_start_to_the_end(club):
    monthly = plans_of(club)[0]
    end = datetime(2026, 1, 31, tzinfo=UTC)
    member_with_history(club=club, plan=monthly, history=[(end - timedelta(days=100), "active")])
    member_with_history(club=club, plan=monthly, history=[(end - timedelta(days=20), "active")])
    member_with_history(club=club, plan=monthly, history=[(end - timedelta(days=300), "active"), (DURING, "expired")])
    assert metrics_of(club).members.average_tenure_days == pytest.approx(60)


def test_members_over_twelve_months_without_cancelling(club):
    monthly = plans_of(club)[0]
    end = datetime(2026, 1, 31, tzinfo=UTC)
    long_ago = end - timedelta(days=400)
    member_with_history(club=club, plan=monthly, history=[(long_ago, "active")])
    member_with_history(
        club=club,
        plan=monthly,
        history=[
            (long_ago, "active"),
            (long_ago + timedelta(days=1), "past_due"),
            (long_ago + timedelta(days=2), "active"),
        ],
    )
    member_with_history(
        club=club,
        plan=monthly,
        history=[
            (long_ago, "active"),
            (long_ago + timedelta(days=30), "canceled"),
            (long_ago + timedelta(days=40), "active"),
        ],
    )
    member_with_history(club=club, plan=monthly, history=[(end - timedelta(days=300), "active")])
    members = metrics_of(club).members
    assert (members.end, members.loyal) == (4, 2)
    assert members.loyal_share == 50


def test_plan_mix_and_the_share_on_the_longest_plan(club):
    monthly, six, yearly = plans_of(club)
    for plan, count in ((monthly, 3), (six, 1), (yearly, 4)):
        for _index in range(count):
            member_with_history(club=club, plan=plan, history=[(BEFORE, "active")])
    member_with_history(club=club, plan=yearly, history=[(BEFORE, "active"), (DURING, "canceled")])
    figures = metrics_of(club)
    mix = {share.plan.name: (share.members, share.share, share.is_longest) for share in figures.plan_mix}
    assert mix == {
        "Monthly": (3, Fraction(75, 2), False),
        "6 months": (1, Fraction(25, 2), False),
        "Yearly": (4, 50, True),
    }
    assert figures.members.longest_plan_share == 50


def test_revenue_is_what_invoices_paid_in_the_period_brought_less_refunds(club):
    monthly = plans_of(club)[0]
    member = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription = subscription_with_prices(membership=member, prices=[(BEFORE, 500, 500)])
    for number, (paid_at, paid, refunded) in enumerate(((DURING, 500, 0), (DURING, 500, 200), (AFTER, 500, 0))):
        Invoice.objects.create(
            stripe_invoice_id=f"in_{number}",
            customer=subscription.customer,
            subscription=subscription,
            status="paid",
            currency="USD",
            amount_paid_minor=paid,
            amount_refunded_minor=refunded,
            stripe_created=paid_at,
            paid_at=paid_at,
        )
    money = metrics_of(club).money
    assert (money.revenue_paid, money.revenue_refunded, money.net_revenue) == (1000, 200, 800)


def test_totals_add_counts_across_clubs_but_keep_money_per_currency(club):
    euro_club = ClubFactory(currency="EUR")
    euro_plan = PlanFactory(club=euro_club, price_minor=900, currency="EUR")
    usd = member_with_history(club=club, plan=plans_of(club)[0], history=[(BEFORE, "active")])
    subscription_with_prices(membership=usd, prices=[(BEFORE, 500, 500)])
    eur = member_with_history(club=euro_club, plan=euro_plan, history=[(BEFORE, "active")])
    subscription_with_prices(membership=eur, prices=[(BEFORE, 900, 900)])

    result = period_metrics(clubs=Club.objects.all(), period=JANUARY)

    assert (result.total.start, result.total.end) == (2, 2)
    assert {total.currency: total.money.mrr_end for total in result.by_currency} == {"EUR": 900, "USD": 500}
