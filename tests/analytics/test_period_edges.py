"""Status changes exactly at a period's first and last instant, and a membership whose access record changed
during the period next to one whose record held throughout (``_membership_groups`` reads the two apart)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from clubs.models import Club
from tests.analytics.factories import member_with_history

pytestmark = pytest.mark.django_db

JANUARY = Period(first_day=date(2026, 1, 1), last_day=date(2026, 1, 30))
START = datetime(2026, 1, 1, tzinfo=UTC)  # JANUARY.start
END = datetime(2026, 1, 31, tzinfo=UTC)  # JANUARY.end
BEFORE = datetime(2025, 11, 1, tzinfo=UTC)


def test_changes_at_the_first_and_the_last_instant_count_by_the_state_at_that_instant(club):
    """The status at an instant is the newest change at or before it (the definition), so by hand:
    cancelled at the start: neither; cancelled at the end: at the start only (lost); active from the start:
    both; active from the end: at the end only (new); active throughout: both; cancelled mid-period: lost."""
    monthly = club.plans.order_by("order")[0]
    histories = [
        [(BEFORE, "active"), (START, "canceled")],
        [(BEFORE, "active"), (END, "canceled")],
        [(BEFORE, "pending"), (START, "active")],
        [(BEFORE, "pending"), (END, "active")],
        [(BEFORE, "active")],
        [(BEFORE, "active"), (START + timedelta(days=9), "canceled")],
    ]
    for history in histories:
        member_with_history(club=club, plan=monthly, history=history)
    at_start = [2, 3, 5, 6]  # by hand from the docstring, numbered as ``histories`` from 1
    at_end = [3, 4, 5]

    members = period_metrics(clubs=Club.objects.filter(pk=club.pk), period=JANUARY).clubs[0].members

    assert (JANUARY.start, JANUARY.end) == (START, END)
    assert members.start == len(at_start)
    assert members.end == len(at_end)
    assert members.new == len(set(at_end) - set(at_start))
    assert members.churned == len(set(at_start) - set(at_end))
