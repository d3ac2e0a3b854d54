"""Engagement: event attendance, achievements per member and who has gone quiet.

Reads events (RSVPs, check-ins) and feed (achievements) as those apps define them; who is quiet is
``clubs.activity``'s one definition of member activity.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Case, Count, F, FilteredRelation, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from analytics.selectors.closed_days import in_ranges, snapshot_sums
from analytics.selectors.period import Period
from clubs import activity
from clubs.models import Club, Membership
from events.models import Rsvp, RsvpStatus
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


def _quiet_members(*, clubs: QuerySet[Club], now: datetime, days: int = INACTIVE_THRESHOLDS[0]) -> QuerySet[Membership]:
    """Members with access at ``now`` and no sign of life for ``days`` days or more (``clubs.activity``)."""
    return Membership.objects.filter(club__in=clubs).with_access(now).quiet_since(now - timedelta(days=days))


def inactive_members(
    *, clubs: QuerySet[Club], now: datetime | None = None, limit: int | None = INACTIVE_SHOWN
) -> QuerySet[Membership]:
    """Members with access now who have done nothing for 30 days or more, the quietest first.

    ``quiet_for`` is the longest threshold (90, 60 or 30 days) they have been quiet for. With a ``limit``
    the quietest are chosen from the memberships alone and only they are joined to their member, club and
    plan (1 query): joining every quiet member first had PostgreSQL hash all 100,000 users to show 50
    (bench/analytics).
    """
    now = now or timezone.now()
    longest_first = sorted(INACTIVE_THRESHOLDS, reverse=True)
    quiet_for = Case(
        *(When(activity.quiet_since(now - timedelta(days=days)), then=Value(days)) for days in longest_first[:-1]),
        default=Value(longest_first[-1]),
        output_field=IntegerField(),
    )
    order = ("-quiet_for", "started_at", "pk")
    quiet = _quiet_members(clubs=clubs, now=now).annotate(quiet_for=quiet_for).order_by(*order)
    if limit:
        quietest = quiet.values("pk")[:limit]
        quiet = Membership.objects.filter(pk__in=quietest).annotate(quiet_for=quiet_for).order_by(*order)
    return quiet.select_related("user", "club", "plan")


def quiet_counts_by_club(*, clubs: QuerySet[Club], now: datetime) -> dict[int, dict[int, int]]:
    """Per club, how many members with access are quiet for at least each threshold (1 query).

    A member quiet for 90 days is also quiet for 60 and 30: one pass over the quiet-for-30 members counts
    all three.
    """
    shortest = min(INACTIVE_THRESHOLDS)
    counts = {
        f"quiet_{days}": Count("pk", filter=activity.quiet_since(now - timedelta(days=days)))
        for days in INACTIVE_THRESHOLDS
        if days != shortest
    }
    rows = (
        _quiet_members(clubs=clubs, now=now, days=shortest)
        .order_by()
        .values("club_id")
        .annotate(**{f"quiet_{shortest}": Count("pk")}, **counts)
    )
    return {row["club_id"]: {days: row[f"quiet_{days}"] for days in INACTIVE_THRESHOLDS} for row in rows}


def _attendance_live(*, clubs: QuerySet[Club], ranges: list[tuple[datetime, datetime]]):
    """Per club, the "going" answers to the events that started in ``ranges`` and how many checked in (1 query).

    One pass over those RSVPs, each joined to its check-in if any (both are unique per member and event,
    so the join never multiplies rows). It replaced a semi-join from the check-ins that PostgreSQL
    estimated at ~500 rows, got 200,000 and probed once per row (bench/analytics).
    """
    return (
        Rsvp.objects.filter(
            in_ranges("occurrence__starts_at", ranges),
            occurrence__club__in=clubs,
            occurrence__cancelled_at__isnull=True,
            status=RsvpStatus.GOING,
        )
        .annotate(
            check_in=FilteredRelation("occurrence__attendances", condition=Q(occurrence__attendances__user=F("user")))
        )
        .order_by()
        .values("occurrence__club_id")
        .annotate(going=Count("pk"), attended=Count("check_in__pk"))
    )


def attendance_of_day(*, clubs: QuerySet[Club], day: date) -> dict[int, tuple[int, int]]:
    """Going and checked in per club for the events that started on ``day`` (UTC), as the snapshot keeps them."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    rows = _attendance_live(clubs=clubs, ranges=[(start, start + timedelta(days=1))])
    return {row["occurrence__club_id"]: (row["going"], row["attended"]) for row in rows}


def attendance_by_club(
    *, clubs: QuerySet[Club], period: Period, now: datetime, use_snapshots: bool = True
) -> dict[int, tuple[int, int]]:
    """Going and checked in per club for the period's events (2 queries).

    The closed days come from the nightly snapshots (``closed_days.snapshot_sums``), the rest live. A snapshot
    keeps what was recorded when it was taken: a check-in entered after that night for an earlier
    day's event shows once that day's snapshot is taken again.
    """
    result: dict[int, tuple[int, ...]] = {}
    live = [(period.start, min(period.end, now))]
    if use_snapshots:
        result, live = snapshot_sums(
            clubs=clubs, start=period.start, end=period.end, now=now, fields=("events_going", "events_attended")
        )
    if live:
        for row in _attendance_live(clubs=clubs, ranges=live):
            going, attended = result.get(row["occurrence__club_id"], (0, 0))
            result[row["occurrence__club_id"]] = (going + row["going"], attended + row["attended"])
    return result


def engagement_by_club(
    *, clubs: QuerySet[Club], period: Period, now: datetime | None = None
) -> dict[int, ClubEngagement]:
    """Attendance and achievements in the period, and today's quiet members, per club (3 to 5 queries)."""
    now = now or timezone.now()
    result: dict[int, ClubEngagement] = {}

    def of(club_id: int) -> ClubEngagement:
        return result.setdefault(club_id, ClubEngagement(inactive=dict.fromkeys(INACTIVE_THRESHOLDS, 0)))

    for club_id, (going, attended) in attendance_by_club(clubs=clubs, period=period, now=now).items():
        if going or attended:
            figures = of(club_id)
            figures.going, figures.attended = going, attended
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
    for club_id, counts in quiet_counts_by_club(clubs=clubs, now=now).items():
        of(club_id).inactive.update(counts)
    return result
