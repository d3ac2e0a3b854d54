"""Cohort retention by join month against a hand-computed heatmap."""

from datetime import UTC, date, datetime

import pytest

from analytics.selectors.cohorts import cohort_retention
from analytics.selectors.period import Period
from clubs.models import Club
from tests.analytics.factories import member_with_history

pytestmark = pytest.mark.django_db


def test_each_cohort_keeps_the_share_that_had_not_lapsed_by_each_month_end(club):
    plan = club.plans.first()
    january = datetime(2026, 1, 10, tzinfo=UTC)
    for _index in range(4):
        member_with_history(club=club, plan=plan, history=[(january, "active")])
    member_with_history(
        club=club, plan=plan, history=[(january, "active"), (datetime(2026, 2, 3, tzinfo=UTC), "canceled")]
    )
    member_with_history(
        club=club,
        plan=plan,
        history=[
            (january, "active"),
            (datetime(2026, 3, 20, tzinfo=UTC), "expired"),
            (datetime(2026, 4, 2, tzinfo=UTC), "active"),
        ],
    )
    member_with_history(club=club, plan=plan, history=[(datetime(2026, 2, 14, tzinfo=UTC), "active")])
    member_with_history(club=club, plan=plan, history=[(datetime(2025, 12, 14, tzinfo=UTC), "active")])

    cohorts = cohort_retention(
        clubs=Club.objects.filter(pk=club.pk),
        period=Period(first_day=date(2026, 1, 1), last_day=date(2026, 2, 28)),
        now=datetime(2026, 4, 15, tzinfo=UTC),
    )

    assert [(cohort.month, cohort.size) for cohort in cohorts] == [(date(2026, 1, 1), 6), (date(2026, 2, 1), 1)]
    january_cells = cohorts[0].cells
    assert [cell.retained for cell in january_cells[:3]] == [6, 5, 4]  # Jan, Feb (1 canceled), Mar (1 expired)
    assert january_cells[3] is None  # April has not ended yet
    assert (round(january_cells[1].percent, 1), january_cells[1].bucket) == (83.3, 8)
    assert [cell.retained for cell in cohorts[1].cells[:2]] == [1, 1]
