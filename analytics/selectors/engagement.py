"""Engagement: event attendance, achievements per member and who has gone quiet.

Reads events (RSVPs, check-ins) and feed (achievements) as those apps define them; who is quiet is
``clubs.activity``'s one definition of member activity.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from analytics.selectors.period import Period
from clubs import activity
from clubs.models import Club, Membership
from events.models import Attendance, Rsvp, RsvpStatus
from feed.models import Achievement

INACTIVE_THRESHOLDS = (30, 60, 90)
INACTIVE_SHOWN = 50


@dataclass
class ClubEngagement:
    going: int = 0
    attended: int = 0
    achievements: int = 0
    inactive: dict[int, int] | None = None  # threshold -> members quiet for at least that many days

    @property
    def attendance_rate(self) -> float | None:
        """Of the members who said they were going, the share who checked in."""
        return self.attended * 100 / self.going if self.going else None

    def achievements_per_member(self, members: int) -> float | None:
        return self.achievements / members if members else None

    def add(self, other: "ClubEngagement") -> None:
        self.going += other.going
        self.attended += other.attended
        self.achievements += other.achievements
        for days, count in (other.inactive or {}).items():
            self.inactive = self.inactive or dict.fromkeys(INACTIVE_THRESHOLDS, 0)
            self.inactive[days] += count


def _quiet_members(
    *, clubs: QuerySet[Club], now: datetime, days: int = INACTIVE_THRESHOLDS[0], hashed: bool = False
) -> QuerySet[Membership]:
    """Members with access at ``now`` and no sign of life for ``days`` days or more (``clubs.activity``).

    Written as NOT EXISTS in the WHERE clause so PostgreSQL runs anti-joins over the recent activity
    rows once, rather than looking up each member's newest activity. ``hashed``: restrict the
    subqueries to ``clubs``, see ``clubs.activity.active_since``.
    """
    within = clubs if hashed else None
    return (
        Membership.objects.filter(club__in=clubs)
        .with_access(now)
        .quiet_since(now - timedelta(days=days), within=within)
    )


def inactive_members(
    *, clubs: QuerySet[Club], now: datetime | None = None, limit: int | None = INACTIVE_SHOWN
) -> QuerySet[Membership]:
    """Members with access now who have done nothing for 30 days or more, the quietest first.

    ``quiet_for`` is the longest threshold (90, 60 or 30 days) they have been quiet for: an EXISTS per
    threshold stops at the first sign of life, where finding each member's newest activity would not.
    Its subqueries are also restricted to ``clubs`` (``hashed``), so PostgreSQL evaluates each of them
    once as a hash over the clubs' recent activity, not once per quiet member.
    """
    now = now or timezone.now()
    longest_first = sorted(INACTIVE_THRESHOLDS, reverse=True)
    quiet_for = Case(
        *(
            When(activity.quiet_since(now - timedelta(days=days), within=clubs), then=Value(days))
            for days in longest_first[:-1]
        ),
        default=Value(longest_first[-1]),
        output_field=IntegerField(),
    )
    quiet = (
        _quiet_members(clubs=clubs, now=now, hashed=True)
        .annotate(quiet_for=quiet_for)
        .select_related("user", "club", "plan")
        .order_by("-quiet_for", "started_at", "pk")
    )
    return quiet[:limit] if limit else quiet


def engagement_by_club(
    *, clubs: QuerySet[Club], period: Period, now: datetime | None = None
) -> dict[int, ClubEngagement]:
    """Attendance and achievements in the period, and today's quiet members, per club (6 queries)."""
    now = now or timezone.now()
    result: dict[int, ClubEngagement] = {}

    def of(club_id: int) -> ClubEngagement:
        return result.setdefault(club_id, ClubEngagement(inactive=dict.fromkeys(INACTIVE_THRESHOLDS, 0)))

    events = {
        "occurrence__club__in": clubs,
        "occurrence__starts_at__gte": period.start,
        "occurrence__starts_at__lt": min(period.end, now),
        "occurrence__cancelled_at__isnull": True,
    }
    going = Rsvp.objects.filter(**events, status=RsvpStatus.GOING)
    for row in going.order_by().values("occurrence__club_id").annotate(count=Count("pk")):
        of(row["occurrence__club_id"]).going = row["count"]
    # A semi-join in WHERE (not a per-row EXISTS in the aggregate): one pass over the period's check-ins.
    said_going = going.filter(occurrence=OuterRef("occurrence_id"), user=OuterRef("user_id"))
    came = Attendance.objects.filter(Exists(said_going), **events)
    for row in came.order_by().values("occurrence__club_id").annotate(count=Count("pk")):
        of(row["occurrence__club_id"]).attended = row["count"]
    posts = (
        Achievement.objects.filter(
            club__in=clubs, created_at__gte=period.start, created_at__lt=period.end, is_hidden=False
        )
        .order_by()
        .values("club_id")
        .annotate(count=Count("pk"))
    )
    for row in posts:
        of(row["club_id"]).achievements = row["count"]
    for days in INACTIVE_THRESHOLDS:
        for row in (
            _quiet_members(clubs=clubs, now=now, days=days).order_by().values("club_id").annotate(count=Count("pk"))
        ):
            of(row["club_id"]).inactive[days] = row["count"]
    return result
