"""Each period figure against small hand-computed fixtures (January 2026, UTC)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from billing.models import Invoice
from clubs.models import Club
from tests.analytics.factories import clock_at, member_with_history, subscription_with_prices
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


def test_past_due_members_stay_members_while_grace_lasts_and_no_members_at_start_means_no_retention(club):
    monthly = plans_of(club)[0]
    club.grace_period_days = 7
    club.save()
    # Past due on Jan 28: grace until Feb 4, still a member at the end (Jan 31).
    member_with_history(
        club=club, plan=monthly, history=[(DURING, "active"), (DURING + timedelta(days=13), "past_due")]
    )
    members = metrics_of(club).members
    assert (members.start, members.end, members.new) == (0, 1, 1)
    assert members.retention_rate is None and members.churn_rate is None


def test_regression_past_due_after_grace_is_not_a_customer(club):
    """Runners October: a member past due beyond the grace period was still counted (E=37, not 36)."""
    monthly = plans_of(club)[0]
    club.grace_period_days = 7
    club.save()
    for _index in range(35):
        member = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
        subscription_with_prices(membership=member, prices=[(BEFORE, 850, 850)])
    in_grace = member_with_history(
        club=club, plan=monthly, history=[(BEFORE, "active"), (DURING + timedelta(days=13), "past_due")]
    )
    subscription_with_prices(membership=in_grace, prices=[(BEFORE, 850, 850)])
    after_grace = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active"), (DURING, "past_due")])
    subscription_with_prices(membership=after_grace, prices=[(BEFORE, 900, 900)])
    figures = metrics_of(club)
    # Grace of the second ended on Jan 22: it lost access then, inside the period.
    assert (figures.members.start, figures.members.end, figures.members.new) == (37, 36, 0)
    assert figures.members.retention_rate == Fraction(36 * 100, 37)
    assert figures.money.mrr_end == 36 * 850
    assert figures.money.churned == 900


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


def _invoice(subscription, number: int, *, paid_at, paid: int) -> Invoice:
    with clock_at(paid_at):
        return Invoice.objects.create(
            stripe_invoice_id=f"in_{number}",
            customer=subscription.customer,
            subscription=subscription,
            status="paid",
            currency="USD",
            amount_paid_minor=paid,
            stripe_created=paid_at,
            paid_at=paid_at,
        )


def _refund(invoice: Invoice, *, total_refunded: int, at) -> None:
    """As billing's charge.refunded handler does: the invoice's running total refunded."""
    with clock_at(at):
        invoice.amount_refunded_minor = total_refunded
        invoice.save(update_fields=["amount_refunded_minor", "updated_at"])


def test_revenue_is_what_invoices_paid_in_the_period_brought_less_refunds(club):
    monthly = plans_of(club)[0]
    member = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription = subscription_with_prices(membership=member, prices=[(BEFORE, 500, 500)])
    _invoice(subscription, 0, paid_at=DURING, paid=500)
    refunded = _invoice(subscription, 1, paid_at=DURING, paid=500)
    _refund(refunded, total_refunded=200, at=DURING + timedelta(days=1))
    _invoice(subscription, 2, paid_at=AFTER, paid=500)
    money = metrics_of(club).money
    assert (money.revenue_paid, money.revenue_refunded, money.net_revenue) == (1000, 200, 800)


def test_regression_refund_counts_on_the_day_it_was_made_and_a_closed_month_never_changes(club):
    monthly = plans_of(club)[0]
    member = member_with_history(club=club, plan=monthly, history=[(BEFORE, "active")])
    subscription = subscription_with_prices(membership=member, prices=[(BEFORE, 500, 500)])
    invoice = _invoice(subscription, 0, paid_at=DURING, paid=500)
    _refund(invoice, total_refunded=100, at=DURING + timedelta(days=2))
    january_before = metrics_of(club).money
    # Refunded again in February (the total goes from 100 to 300): January stays as it was.
    _refund(invoice, total_refunded=300, at=AFTER)
    january = metrics_of(club).money
    february = (
        period_metrics(
            clubs=Club.objects.filter(pk=club.pk), period=Period(first_day=date(2026, 2, 1), last_day=date(2026, 2, 28))
        )
        .clubs[0]
        .money
    )
    assert (january_before.revenue_paid, january_before.revenue_refunded) == (500, 100)
    assert (january.revenue_paid, january.revenue_refunded) == (500, 100)
    assert (february.revenue_paid, february.revenue_refunded) == (0, 200)


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
