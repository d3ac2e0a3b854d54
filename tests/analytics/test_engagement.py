"""Engagement: attendance of the members who said they were going, achievements per member, quiet members."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.selectors.engagement import engagement_by_club, inactive_members
from analytics.selectors.period import Period
from clubs.models import Club, MembershipStatus
from events.models import RsvpStatus
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import ClubFactory, MembershipFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db


def _period() -> Period:
    today = timezone.now().date()
    return Period(first_day=today - timedelta(days=29), last_day=today)


def test_attendance_rate_is_check_ins_of_members_who_said_they_were_going(club):
    past = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-3))
    cancelled = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-2), cancelled_at=timezone.now())
    members = [MembershipFactory(club=club).user for _index in range(4)]
    for user in members:
        RsvpFactory(occurrence=past, user=user)
        RsvpFactory(occurrence=cancelled, user=user)
    RsvpFactory(occurrence=past, status=RsvpStatus.NOT_GOING)
    for user in members[:3]:
        AttendanceFactory(occurrence=past, user=user)
    AttendanceFactory(occurrence=past)  # a walk-in who never answered

    figures = engagement_by_club(clubs=Club.objects.filter(pk=club.pk), period=_period())[club.pk]

    assert (figures.going, figures.attended, figures.attendance_rate) == (4, 3, 75)


def test_achievements_per_member_leave_out_hidden_ones(club):
    now = timezone.now()
    author = MembershipFactory(club=club).user
    AchievementFactory(club=club, author=author, created_at=now - timedelta(days=1))
    AchievementFactory(club=club, author=author, created_at=now - timedelta(days=2))
    AchievementFactory(club=club, author=author, created_at=now - timedelta(days=2), is_hidden=True)
    AchievementFactory(club=club, author=author, created_at=now - timedelta(days=90))

    figures = engagement_by_club(clubs=Club.objects.filter(pk=club.pk), period=_period())[club.pk]

    assert figures.achievements == 2
    assert figures.achievements_per_member(4) == 0.5


def test_quiet_members_are_bucketed_by_their_last_sign_of_life(club):
    now = timezone.now()

    def member(started_days_ago: int):
        return MembershipFactory(club=club, started_at=now - timedelta(days=started_days_ago))

    fresh = member(10)
    quiet_35 = member(35)
    checked_in = member(200)
    AttendanceFactory(
        occurrence=EventOccurrenceFactory(club=club, starts_in=timedelta(days=-65)),
        user=checked_in.user,
        checked_in_at=now - timedelta(days=65),
    )
    posted = member(300)
    AchievementFactory(club=club, author=posted.user, created_at=now - timedelta(days=5))
    silent = member(120)
    MembershipFactory(club=club, started_at=now - timedelta(days=400), status=MembershipStatus.CANCELED)

    figures = engagement_by_club(clubs=Club.objects.filter(pk=club.pk), period=_period(), now=now)[club.pk]
    listed = list(inactive_members(clubs=Club.objects.filter(pk=club.pk), now=now))

    assert figures.inactive == {30: 3, 60: 2, 90: 1}
    assert [(member, member.quiet_for) for member in listed] == [(silent, 90), (checked_in, 60), (quiet_35, 30)]
    assert fresh not in listed and posted not in listed


def test_quiet_members_of_several_clubs_only_count_activity_in_their_own_club(club):
    """Activity counts in the club it happened in, also when one page shows several clubs."""
    now = timezone.now()
    other_club = ClubFactory()
    both = MembershipFactory(club=club, started_at=now - timedelta(days=200))
    elsewhere = MembershipFactory(club=other_club, user=both.user, started_at=now - timedelta(days=200))
    AttendanceFactory(
        occurrence=EventOccurrenceFactory(club=other_club, starts_in=timedelta(days=-40)),
        user=both.user,
        checked_in_at=now - timedelta(days=40),
    )
    RsvpFactory(
        occurrence=EventOccurrenceFactory(club=other_club, starts_in=timedelta(days=-10)),
        user=both.user,
        responded_at=now - timedelta(days=10),
    )
    AchievementFactory(club=other_club, author=both.user, created_at=now - timedelta(days=70))
    clubs = Club.objects.filter(pk__in=[club.pk, other_club.pk])

    listed = {membership: membership.quiet_for for membership in inactive_members(clubs=clubs, now=now)}
    figures = engagement_by_club(clubs=clubs, period=_period(), now=now)

    assert listed == {both: 90}
    assert elsewhere not in listed
    assert figures[club.pk].inactive == {30: 1, 60: 1, 90: 1}
    assert figures[other_club.pk].inactive == {30: 0, 60: 0, 90: 0}
