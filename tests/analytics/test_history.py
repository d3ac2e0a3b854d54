"""Regressions of issue 17: each past period is computed from what was true then, by the one access rule.

Changes are made the way clubs' and billing's services make them (saving the membership, a status
change dated when it happened, a price in the ledger) with the clock set to that moment.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from analytics.models import AccessRecord
from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from clubs.models import Club, Membership, MembershipStatus
from clubs.services import complimentary_memberships_expire, membership_transition
from tests.analytics.factories import clock_at, member_with_history, subscription_with_prices

pytestmark = pytest.mark.django_db

JANUARY = Period(first_day=date(2026, 1, 1), last_day=date(2026, 1, 31))
FEBRUARY = Period(first_day=date(2026, 2, 1), last_day=date(2026, 2, 28))
BEFORE = datetime(2025, 12, 1, tzinfo=UTC)


def _of(club, period):
    return period_metrics(clubs=Club.objects.filter(pk=club.pk), period=period).clubs[0]


def _paying_member(club, plan, *, since=BEFORE, monthly=500):
    member = member_with_history(club=club, plan=plan, history=[(since, "active")])
    subscription_with_prices(membership=member, prices=[(since, monthly, monthly)])
    return Membership.objects.get(pk=member.pk)


def test_regression_complimentary_grant_later_keeps_the_mrr_and_paying_status_before(club):
    monthly = club.plans.order_by("order")[0]
    _paying_member(club, monthly, monthly=500)
    granted = _paying_member(club, monthly, monthly=500)
    before = _of(club, JANUARY).money
    with clock_at(datetime(2026, 2, 10, tzinfo=UTC)):
        granted.is_complimentary = True
        granted.complimentary_reason = "Partner"
        granted.save()
    january, february = _of(club, JANUARY).money, _of(club, FEBRUARY).money
    assert (before.mrr_start, before.mrr_end, before.paying_end) == (1000, 1000, 2)
    assert (january.mrr_start, january.mrr_end, january.paying_end) == (1000, 1000, 2)
    assert (february.mrr_start, february.mrr_end, february.paying_end) == (1000, 500, 1)


def test_regression_complimentary_access_ends_at_complimentary_until_not_when_the_nightly_job_runs(club):
    monthly = club.plans.order_by("order")[0]
    with clock_at(BEFORE):
        guest = Membership.objects.create(
            user=_paying_member(club, monthly).user.__class__.objects.create(email="guest@example.com"),
            club=club,
            plan=monthly,
            is_complimentary=True,
            complimentary_until=datetime(2026, 1, 30, 12, tzinfo=UTC),
        )
        membership_transition(membership=guest, to_status=MembershipStatus.ACTIVE, at=BEFORE)
    with clock_at(datetime(2026, 2, 1, 3, tzinfo=UTC)):  # the nightly job, after the month ended
        assert complimentary_memberships_expire() == 1
    january, february = _of(club, JANUARY).members, _of(club, FEBRUARY).members
    # The paying member stays; the guest is lost in January, when access ended.
    assert (january.start, january.end, january.churned) == (2, 1, 1)
    assert (february.start, february.end, february.churned) == (1, 1, 0)


def test_regression_plan_mix_and_longest_plan_use_the_plan_held_at_the_end_of_the_period(club):
    monthly, _six, yearly = club.plans.order_by("order")
    switcher = _paying_member(club, monthly)
    _paying_member(club, monthly)
    with clock_at(datetime(2026, 2, 5, tzinfo=UTC)):
        switcher.plan = yearly
        switcher.save()
    january, february = _of(club, JANUARY), _of(club, FEBRUARY)
    assert {share.plan.pk: share.members for share in january.plan_mix if share.members} == {monthly.pk: 2}
    assert january.members.on_longest_plan == 0
    assert {share.plan.pk: share.members for share in february.plan_mix if share.members} == {
        monthly.pk: 1,
        yearly.pk: 1,
    }
    assert february.members.on_longest_plan == 1


def test_regression_average_tenure_leaves_out_the_gap_between_leaving_and_rejoining(club):
    monthly = club.plans.order_by("order")[0]
    end = JANUARY.end
    member_with_history(
        club=club,
        plan=monthly,
        history=[
            (end - timedelta(days=170), "active"),
            (end - timedelta(days=70), "canceled"),
            (end - timedelta(days=20), "active"),
        ],
    )
    figures = _of(club, JANUARY).members
    assert figures.end == 1
    assert figures.average_tenure_days == pytest.approx(120)  # 100 days, then 20: not the 50 days away
    assert figures.loyal == 0


def test_regression_past_due_loses_access_when_grace_ends_inside_the_period(club):
    club.grace_period_days = 7
    club.save()
    monthly = club.plans.order_by("order")[0]
    member = _paying_member(club, monthly)
    with clock_at(datetime(2026, 1, 10, tzinfo=UTC)):
        membership_transition(
            membership=member, to_status=MembershipStatus.PAST_DUE, at=datetime(2026, 1, 10, tzinfo=UTC)
        )
    record = AccessRecord.objects.filter(membership=member).order_by("-valid_from").first()
    assert record.access_until == datetime(2026, 1, 17, tzinfo=UTC)
    figures = _of(club, JANUARY)
    assert (figures.members.start, figures.members.end, figures.money.mrr_end, figures.money.churned) == (
        1,
        0,
        0,
        Decimal(500),
    )


def test_regression_period_length_is_elapsed_time_across_a_daylight_saving_change():
    october = Period(first_day=date(2025, 10, 1), last_day=date(2025, 10, 31), time_zone="Europe/Berlin")
    march = Period(first_day=date(2026, 3, 1), last_day=date(2026, 3, 31), time_zone="Europe/Berlin")
    # Independent: the two instants in UTC (CEST is UTC+2 until Oct 26, then CET UTC+1; the reverse in March).
    assert october.days == pytest.approx(
        (datetime(2025, 10, 31, 23, tzinfo=UTC) - datetime(2025, 9, 30, 22, tzinfo=UTC)).total_seconds() / 86400
    )
    assert round(october.days, 3) == 31.042
    assert round(march.days, 3) == 30.958
