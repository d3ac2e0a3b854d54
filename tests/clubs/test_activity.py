"""Member activity has one definition (clubs/activity.py), and automations, analytics and offers all use it.

The reference below is written from the definition, in plain Python over the rows the test creates:
activity strictly after ``t`` makes a member active since ``t``; a membership that began at or before ``t``
(``started_at``, else when its row was created) with no activity after ``t`` is quiet since ``t``; its last
activity is the newest of its activities and its start.
"""

import ast
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from analytics.selectors.engagement import _quiet_members, engagement_by_club
from analytics.selectors.engagement import inactive_members as analytics_inactive_members
from analytics.selectors.period import Period
from automations.models import ClubAutomationSettings
from automations.selectors import inactive_members as automations_inactive_members
from clubs import activity
from clubs.models import Club, Membership, MembershipStatus
from offers.segments import attended_at_least, inactive_for
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAYS = 30
T = NOW - timedelta(days=DAYS)  # the boundary: quiet for 30 days = quiet since T
MINUTE = timedelta(minutes=1)
LONG_AGO = NOW - timedelta(days=200)
THRESHOLDS = (90, 60, 30)  # analytics' quiet_for buckets, longest first


@dataclass
class Row:
    membership: Membership
    start: datetime
    activity: list[datetime] = field(default_factory=list)  # this member's activity in this club only


def _act(kind: str, membership: Membership, at: datetime) -> None:
    club, user = membership.club, membership.user
    if kind == "rsvp":
        RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=user, responded_at=at)
    elif kind == "attendance":
        AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=user, checked_in_at=at)
    else:
        AchievementFactory(club=club, author=user, created_at=at)


def _member(club: Club, *, started_at: datetime | None, user=None, created_at: datetime | None = None) -> Row:
    membership = MembershipFactory(club=club, plan=None, user=user or UserFactory(), started_at=started_at)
    if created_at is not None:
        Membership.objects.filter(pk=membership.pk).update(created_at=created_at)
        membership.refresh_from_db()
    return Row(membership, start=started_at or membership.created_at)


def _world(club: Club, other_club: Club) -> list[Row]:
    """Members of both clubs with each kind of activity just before, at and just after the boundary."""
    rows = []
    for kind in ("rsvp", "attendance", "achievement"):
        for offset in (-MINUTE, timedelta(0), MINUTE):
            row = _member(club, started_at=LONG_AGO)
            _act(kind, row.membership, T + offset)
            row.activity.append(T + offset)
            rows.append(row)
    # Joined just before, at and just after the boundary, never active.
    rows += [_member(club, started_at=T + offset) for offset in (-MINUTE, timedelta(0), MINUTE)]
    # Active in every source before joining (during an earlier membership), never since: joined too recently.
    early = _member(club, started_at=T + MINUTE)
    for kind in ("rsvp", "attendance", "achievement"):
        _act(kind, early.membership, T - MINUTE)
        early.activity.append(T - MINUTE)
    rows.append(early)
    # No start date: member since the row was created.
    rows.append(_member(club, started_at=None, created_at=LONG_AGO))
    rows.append(_member(club, started_at=None, created_at=T + MINUTE))
    # Quiet for 65 and 95 days (analytics' longer buckets).
    for days in (65, 95):
        row = _member(club, started_at=LONG_AGO)
        _act("rsvp", row.membership, NOW - timedelta(days=days))
        row.activity.append(NOW - timedelta(days=days))
        rows.append(row)
    # Busy in the other club only: quiet in this one. And the other club's own memberships.
    both = _member(club, started_at=LONG_AGO)
    rows.append(both)
    elsewhere = _member(other_club, started_at=LONG_AGO, user=both.membership.user)
    for kind in ("rsvp", "attendance", "achievement"):
        _act(kind, elsewhere.membership, NOW - timedelta(days=1))
        elsewhere.activity.append(NOW - timedelta(days=1))
    rows.append(elsewhere)
    rows.append(_member(other_club, started_at=T))
    # A lapsed member is never listed (no access), however quiet.
    rows.append(_member(club, started_at=LONG_AGO))
    Membership.objects.filter(pk=rows[-1].membership.pk).update(status=MembershipStatus.CANCELED)
    rows[-1].membership.status = MembershipStatus.CANCELED
    return rows


def _reference_quiet(rows: list[Row], since: datetime) -> set[Membership]:
    return {
        row.membership
        for row in rows
        if row.membership.status == MembershipStatus.ACTIVE
        and row.start <= since
        and not any(at > since for at in row.activity)
    }


def _reference_last_activity(row: Row) -> datetime:
    return max([row.start, *row.activity])


def test_automations_analytics_and_offers_agree_with_the_definition_at_the_boundary(club, other_club):
    rows = _world(club, other_club)
    ClubAutomationSettings.objects.create(club=club, inactivity_days=DAYS)
    ClubAutomationSettings.objects.create(club=other_club, inactivity_days=DAYS)
    expected = _reference_quiet(rows, T)
    by_club = {c.pk: {m for m in expected if m.club_id == c.pk} for c in (club, other_club)}
    clubs = Club.objects.filter(pk__in=[club.pk, other_club.pk])

    automations = {c.pk: list(automations_inactive_members(club=c, now=NOW)) for c in (club, other_club)}
    offers = {
        c.pk: set(inactive_for(Membership.objects.filter(club=c).with_access(NOW), club=c, days=DAYS, now=NOW))
        for c in (club, other_club)
    }
    analytics_list = {m: m.quiet_for for m in analytics_inactive_members(clubs=clubs, now=NOW, limit=None)}
    analytics_counts = engagement_by_club(
        clubs=clubs, period=Period(first_day=date(2026, 6, 1), last_day=date(2026, 6, 14)), now=NOW
    )

    for c in (club, other_club):
        assert set(automations[c.pk]) == by_club[c.pk]
        assert offers[c.pk] == by_club[c.pk]
        assert set(_quiet_members(clubs=clubs.filter(pk=c.pk), now=NOW, days=DAYS)) == by_club[c.pk]
        assert set(_quiet_members(clubs=clubs, now=NOW, days=DAYS).filter(club=c)) == by_club[c.pk]
        assert analytics_counts[c.pk].inactive[DAYS] == len(by_club[c.pk])
    assert set(analytics_list) == expected
    # The boundary itself: activity at T is silence, joining at T is old enough.
    at_boundary = {row.membership for row in rows if T in row.activity or row.start == T}
    assert at_boundary and at_boundary <= expected
    assert not {row.membership for row in rows if T + MINUTE in row.activity} & expected

    # Longest silent first, each with the last activity of the definition (the key of the inactivity email).
    last = {row.membership: _reference_last_activity(row) for row in rows}
    for c in (club, other_club):
        assert [m.last_activity for m in automations[c.pk]] == sorted(last[m] for m in by_club[c.pk])
        assert all(m.last_activity == last[m] for m in automations[c.pk])
        assert all(last[m] <= T for m in automations[c.pk])
    # Analytics' buckets are the same rule at 60 and 90 days.
    for membership, quiet_for in analytics_list.items():
        assert quiet_for == next(
            days for days in THRESHOLDS if membership in _reference_quiet(rows, NOW - timedelta(days=days))
        )
    assert sorted(analytics_counts[club.pk].inactive.items()) == sorted(
        (days, len(by_club[club.pk] & _reference_quiet(rows, NOW - timedelta(days=days)))) for days in THRESHOLDS
    )


def test_membership_queryset_reads_the_same_definition(club, other_club):
    rows = _world(club, other_club)
    members = Membership.objects.with_access(NOW)
    expected = _reference_quiet(rows, T)
    with_access = {row.membership for row in rows if row.membership.status == MembershipStatus.ACTIVE}

    assert set(members.quiet_since(T)) == expected
    assert set(members.active_since(T)) == {row.membership for row in rows if any(at > T for at in row.activity)}
    annotated = {m: m.last_activity for m in Membership.objects.with_last_activity()}
    assert annotated == {row.membership: _reference_last_activity(row) for row in rows}
    assert set(members.with_last_activity().filter(last_activity__lte=T)) == expected
    assert expected < with_access


def test_attended_at_least_counts_the_registered_check_ins_of_the_club_up_to_now(club, other_club):
    regular, once = (_member(club, started_at=LONG_AGO).membership for _ in range(2))
    for at in (NOW - timedelta(days=10), NOW):
        AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=regular.user, checked_in_at=at)
    AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=once.user, checked_in_at=NOW - MINUTE)
    AttendanceFactory(occurrence=EventOccurrenceFactory(club=club), user=once.user, checked_in_at=NOW + MINUTE)
    other = EventOccurrenceFactory(club=other_club)
    AttendanceFactory(occurrence=other, user=once.user, checked_in_at=NOW - MINUTE)
    members = Membership.objects.filter(club=club)

    assert set(attended_at_least(members, club=club, minimum=2, now=NOW)) == {regular}
    assert set(attended_at_least(members, club=club, minimum=1, now=NOW)) == {regular, once}


def test_events_and_feed_register_their_activity_sources():
    registered = {source.name: (source.model._meta.label, source.at_field) for source in activity.sources()}
    assert registered == {
        activity.ATTENDANCE: ("events.Attendance", "checked_in_at"),
        "rsvp": ("events.Rsvp", "responded_at"),
        "achievement": ("feed.Achievement", "created_at"),
    }


HIGHER_APPS = {"events", "feed", "billing", "offers", "automations", "analytics"}


def _higher_app_references(path: Path) -> list[str]:
    """Imports of higher apps anywhere in the module (also inside functions), and apps.get_model/import_module
    calls naming one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
            "get_model",
            "import_module",
        }:
            names = [arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        else:
            continue
        found += [f"{path.name}:{node.lineno} {name}" for name in names if name.split(".")[0] in HIGHER_APPS]
    return found


def test_clubs_reads_no_higher_app_for_activity():
    clubs_dir = Path(activity.__file__).parent
    assert (clubs_dir / "activity.py").exists()
    assert _higher_app_references(clubs_dir / "activity.py") == []
    assert [ref for path in sorted(clubs_dir.rglob("*.py")) for ref in _higher_app_references(path)] == []
