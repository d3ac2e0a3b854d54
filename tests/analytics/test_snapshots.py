"""The nightly snapshot: one row per club per day, safe to run twice, and what dashboards read from it."""

import random
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from analytics.models import MetricSnapshot
from analytics.selectors.closed_days import snapshot_sums
from analytics.selectors.engagement import attendance_by_club
from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from analytics.services.snapshots import metric_snapshots_take
from analytics.tasks import take_metric_snapshots
from clubs.models import Club, Membership
from tests.analytics import test_reference as reference
from tests.analytics.factories import member_with_history, nps_answer, subscription_with_prices
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
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


def test_snapshot_based_and_live_figures_agree():
    """Over the reference history: each nightly snapshot holds the reference's figures of its day, and the
    attendance a dashboard sums from the snapshots' closed days equals the live count and a count made here."""
    rng = random.Random(17)
    specs = reference.generate(rng)
    clubs, answers = reference.apply(specs, rng)
    days = [date(2025, 10, 19) + timedelta(days=offset) for offset in range(10)]  # the end of summer time
    expected: dict[tuple[int, date], list[int]] = {}  # (club, UTC day of the event) -> [going, checked in]
    for club in clubs:
        users = [membership.user for membership in Membership.objects.filter(club=club).select_related("user")]
        for day in days:
            for _event in range(2):
                starts = datetime.combine(day, time(rng.randint(0, 23), rng.choice((0, 30))), tzinfo=UTC)
                cancelled = rng.random() < 0.15
                occurrence = EventOccurrenceFactory(
                    club=club, starts_at=starts, cancelled_at=starts - timedelta(days=1) if cancelled else None
                )
                tally = expected.setdefault((club.pk, day), [0, 0])
                for user in rng.sample(users, 6):
                    going = rng.random() < 0.7
                    RsvpFactory(occurrence=occurrence, user=user, status="going" if going else "not_going")
                    came = rng.random() < (0.6 if going else 0.2)
                    if came:
                        AttendanceFactory(occurrence=occurrence, user=user)
                    if not cancelled:
                        tally[0] += going
                        tally[1] += going and came
                AttendanceFactory(occurrence=occurrence)  # a walk-in who never answered

    for day in days:
        metric_snapshots_take(day=day)

    paused_seen = 0
    for index, club in enumerate(clubs):
        for day in days:
            snapshot = MetricSnapshot.objects.get(club=club, day=day)
            start = datetime.combine(day, time.min, tzinfo=UTC)
            want = reference.expected_for(specs, answers, index, start, start + timedelta(days=1))
            label = f"{club.name} {day}"
            assert (snapshot.members, snapshot.new_members) == (want.end, want.new), label
            assert snapshot.churned_members == want.lost, label
            assert (snapshot.paused_members, snapshot.gift_new_members) == (want.paused_end, want.new_from_gifts), label
            paused_seen += want.paused_end
            assert snapshot.paying_members == want.paying_end, label
            assert abs(snapshot.mrr_minor - want.mrr_end) <= Fraction(51, 100), label
            assert [snapshot.events_going, snapshot.events_attended] == expected.get((club.pk, day), [0, 0]), label
            assert (snapshot.revenue_paid_minor, snapshot.revenue_refunded_minor) == (want.paid, want.refunded), label

    assert paused_seen  # the days do hold paused members

    # Periods inside the snapshots' days, in each club's time zone (the hours before the first and after the
    # last whole UTC day are read live) and in UTC for all clubs at once.
    now = timezone.now()
    for clubs_shown, zone in [(Club.objects.filter(pk=club.pk), club.time_zone) for club in clubs] + [
        (Club.objects.all(), "UTC")
    ]:
        period = Period(first_day=date(2025, 10, 20), last_day=date(2025, 10, 27), time_zone=zone)
        covered, live_ranges = snapshot_sums(
            clubs=clubs_shown, start=period.start, end=period.end, now=now, fields=("events_going",)
        )
        assert set(covered) == {club.pk for club in clubs_shown}, zone  # the closed days do come from snapshots
        assert sum((end - start for start, end in live_ranges), timedelta()) < timedelta(days=2), zone  # the edges
        from_snapshots = attendance_by_club(clubs=clubs_shown, period=period, now=now)
        live = attendance_by_club(clubs=clubs_shown, period=period, now=now, use_snapshots=False)
        counted: dict[int, tuple[int, int]] = {}
        for club in clubs_shown:
            going = attended = 0
            for occurrence in club.event_occurrences.filter(cancelled_at__isnull=True):
                if period.start <= occurrence.starts_at < period.end:
                    answers_going = {rsvp.user_id for rsvp in occurrence.rsvps.all() if rsvp.status == "going"}
                    going += len(answers_going)
                    attended += sum(check_in.user_id in answers_going for check_in in occurrence.attendances.all())
            counted[club.pk] = (going, attended)
        assert {pk: value for pk, value in from_snapshots.items() if value != (0, 0)} == {
            pk: value for pk, value in counted.items() if value != (0, 0)
        }, zone
        assert {pk: value for pk, value in live.items() if value != (0, 0)} == {
            pk: value for pk, value in counted.items() if value != (0, 0)
        }, zone
        assert sum(going for going, _attended in counted.values()) > 0

        by_snapshots = period_metrics(clubs=clubs_shown, period=period)
        read_live = period_metrics(clubs=clubs_shown, period=period, use_snapshots=False)
        for got, live_figures in zip(by_snapshots.clubs, read_live.clubs, strict=True):
            index = clubs.index(got.club)
            want = reference.expected_for(specs, answers, index, period.start, period.end)
            money = (got.money.revenue_paid, got.money.revenue_refunded)
            assert money == (live_figures.money.revenue_paid, live_figures.money.revenue_refunded), zone
            assert money == (want.paid, want.refunded), (zone, got.club.name)
    assert any(
        reference.expected_for(specs, answers, index, *reference.local_period(club.time_zone, *period_days)[:2]).paid
        for index, club in enumerate(clubs)
        for period_days in [(date(2025, 10, 20), date(2025, 10, 27))]
    )  # the history has payments in the period, so the sums above are not all zero


def test_attendance_is_read_live_where_a_snapshot_is_missing(club):
    """A club without a snapshot for one of the period's days: the whole period is counted live."""
    other = ClubFactory()
    for day in (date(2025, 10, 20), date(2025, 10, 21)):
        occurrence = EventOccurrenceFactory(club=club, starts_at=datetime.combine(day, time(18), tzinfo=UTC))
        for _member in range(3):
            AttendanceFactory(occurrence=occurrence, user=RsvpFactory(occurrence=occurrence).user)
    metric_snapshots_take(day=date(2025, 10, 20))
    MetricSnapshot.objects.filter(club=other).delete()
    metric_snapshots_take(day=date(2025, 10, 21))
    MetricSnapshot.objects.filter(club=club, day=date(2025, 10, 21)).update(events_going=None, events_attended=None)

    period = Period(first_day=date(2025, 10, 20), last_day=date(2025, 10, 21))
    figures = attendance_by_club(clubs=Club.objects.all(), period=period, now=timezone.now())

    assert figures[club.pk] == (6, 6)
    assert figures.get(other.pk, (0, 0)) == (0, 0)
