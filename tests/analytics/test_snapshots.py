"""The nightly snapshot: one row per club per day, safe to run twice."""

from datetime import UTC, date, datetime

import pytest

from analytics.models import MetricSnapshot
from analytics.tasks import take_metric_snapshots
from tests.analytics.factories import member_with_history, nps_answer, subscription_with_prices
from tests.factories import ClubFactory

pytestmark = pytest.mark.django_db


def test_snapshot_stores_each_club_s_day_once_and_updates_on_a_second_run(club):
    other = ClubFactory()
    plan = club.plans.first()
    kept = member_with_history(club=club, plan=plan, history=[(datetime(2026, 1, 1, tzinfo=UTC), "active")])
    subscription_with_prices(membership=kept, prices=[(datetime(2026, 1, 1, tzinfo=UTC), 500, 500)])
    member_with_history(club=club, plan=plan, history=[(datetime(2026, 3, 5, 12, tzinfo=UTC), "active")])
    member_with_history(
        club=club,
        plan=plan,
        history=[(datetime(2026, 1, 1, tzinfo=UTC), "active"), (datetime(2026, 3, 5, 9, tzinfo=UTC), "canceled")],
    )
    nps_answer(club=club, score=10, at=datetime(2026, 2, 1, tzinfo=UTC))

    assert take_metric_snapshots("2026-03-05") == 2
    assert take_metric_snapshots("2026-03-05") == 2

    assert MetricSnapshot.objects.count() == 2
    snapshot = MetricSnapshot.objects.get(club=club, day=date(2026, 3, 5))
    assert (snapshot.members, snapshot.new_members, snapshot.churned_members) == (2, 1, 1)
    assert (snapshot.paying_members, snapshot.mrr_minor, snapshot.currency) == (1, 500, "USD")
    assert (snapshot.nps, snapshot.nps_responses) == (100, 1)
    assert MetricSnapshot.objects.get(club=other).members == 0
