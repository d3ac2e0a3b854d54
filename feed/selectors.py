"""Reads for the club feed, each scoped to the viewer: hidden items reach leaders only, marked as hidden.

Counts are SQL annotations, so a page of achievements costs the same few queries however many cheers
and comments it carries.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from clubs.models import Club, Membership
from clubs.permissions import ClubViewer
from events.models import EventOccurrence
from feed.models import (
    Achievement,
    AchievementTag,
    Announcement,
    AnnouncementComment,
    AnnouncementEmail,
    Cheer,
    Comment,
    Report,
    WeeklyHighlight,
)
from feed.services import club_week_start
from members.models import User
from members.permissions import user_has_staff_powers

RECENT_ON_CLUB_HOME = 3
STREAK_LOOKBACK_WEEKS = 104
MAX_CURSOR_LENGTH = 100
MAX_PK = 2**63 - 1  # BigAutoField


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("achievement").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _visible(queryset: QuerySet, *, viewer: ClubViewer) -> QuerySet:
    return queryset if viewer.is_leader else queryset.filter(is_hidden=False)


def _with_counts(achievements: QuerySet[Achievement], *, user: User, viewer: ClubViewer) -> QuerySet[Achievement]:
    comments = _visible(Comment.objects.filter(achievement=OuterRef("pk")), viewer=viewer)
    return achievements.select_related("author", "club", "event").annotate(
        cheer_count=_count(Cheer.objects.filter(achievement=OuterRef("pk"))),
        comment_count=_count(comments),
        viewer_cheered=Exists(Cheer.objects.filter(achievement=OuterRef("pk"), user=user)),
        viewer_reported=Exists(Report.objects.filter(achievement=OuterRef("pk"), reporter=user)),
        is_highlight=Exists(WeeklyHighlight.objects.filter(achievement=OuterRef("pk"))),
    )


def achievement_feed(
    *, club: Club, viewer: ClubViewer, user: User, tag: str = "", author: User | None = None
) -> QuerySet[Achievement]:
    """The club's achievements, newest first, optionally one tag or one member (one query per page)."""
    achievements = _visible(Achievement.objects.filter(club=club), viewer=viewer)
    if tag in AchievementTag.values:
        achievements = achievements.filter(tag=tag)
    if author is not None:
        achievements = achievements.filter(author=author)
    return _with_counts(achievements, user=user, viewer=viewer).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class FeedPage:
    achievements: list[Achievement]
    next_cursor: str  # "" on the last page
    continued: bool  # True when a valid cursor was followed (so an empty page is the end, not an empty feed)


def feed_cursor(achievement: Achievement) -> str:
    """An opaque token for the feed position just after ``achievement``: its ``created_at`` and pk, base64."""
    position = f"{achievement.created_at.astimezone(UTC).isoformat()}|{achievement.pk}"
    return urlsafe_base64_encode(position.encode())


def feed_cursor_parse(cursor: str) -> tuple[datetime, int] | None:
    """The (created_at, pk) a cursor names, or None for anything that is not one of ours (never raises)."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        stamp, digits = urlsafe_base64_decode(cursor).decode("ascii").split("|")
        created_at, pk = datetime.fromisoformat(stamp), int(digits) if digits.isdigit() else 0
        if created_at.tzinfo is None or not 0 < pk <= MAX_PK:
            return None
        return created_at.astimezone(UTC), pk
    except (ValueError, OverflowError):  # bad base64, not ASCII, wrong shape, bad date or number, out of range
        return None


def achievement_feed_page(
    *,
    club: Club,
    viewer: ClubViewer,
    user: User,
    page_size: int,
    before: str = "",
    tag: str = "",
    author: User | None = None,
) -> FeedPage:
    """One page of ``achievement_feed`` after the cursor ``before`` (1 query, no COUNT, no OFFSET).

    Why keyset ("cursor") pagination: the feed is an endless timeline, so it never needs a page count,
    and a paginator's COUNT(*) over a big club costs about a quarter of the page, while OFFSET reads and
    throws away every newer row, so deep pages got slower the further one scrolled. Here every page is
    an index range read (``feed_achievement_club_recent``, or ``_club_author`` for a profile): the rows
    strictly older than the cursor in the ("-created_at", "-pk") order, page_size + 1 of them to learn
    whether there is a next page. On PostgreSQL with 100,000 posts, a page 90,000 posts deep costs what
    the first page costs.

    The cursor carries the position itself (created_at and pk of the last post shown), not a post to
    look up. So it costs no extra query, and it still continues exactly where the page ended when that
    post has since been hidden or deleted. It reveals nothing either: a cursor only filters the rows this
    viewer may see in this club, so one built from another club's post or a hidden post is just a point
    in time. Garbage (or none) gives the first page.
    """
    achievements = achievement_feed(club=club, viewer=viewer, user=user, tag=tag, author=author)
    position = feed_cursor_parse(before)
    if position is not None:
        created_at, pk = position
        # The plain range on created_at lets the index do the work; the pk breaks ties between equal times.
        achievements = achievements.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(pk__lt=pk)
        )
    rows = list(achievements[: page_size + 1])
    shown = rows[:page_size]
    has_more = len(rows) > page_size
    return FeedPage(
        achievements=shown, next_cursor=feed_cursor(shown[-1]) if has_more else "", continued=position is not None
    )


def achievement_get(*, club: Club, pk: int, viewer: ClubViewer, user: User) -> Achievement:
    """One achievement of this club as the viewer may see it; another club's or a hidden one is 404."""
    achievements = _visible(Achievement.objects.filter(club=club, pk=pk), viewer=viewer)
    try:
        return _with_counts(achievements, user=user, viewer=viewer).get()
    except Achievement.DoesNotExist as exc:
        raise Http404 from exc


def achievement_comments(*, achievement: Achievement, viewer: ClubViewer, user: User) -> list[Comment]:
    """The conversation under a post, oldest first (1 query)."""
    comments = _visible(Comment.objects.filter(achievement=achievement), viewer=viewer)
    return list(
        comments.select_related("author")
        .annotate(viewer_reported=Exists(Report.objects.filter(comment=OuterRef("pk"), reporter=user)))
        .order_by("created_at", "pk")
    )


def comment_get(*, club: Club, pk: int, viewer: ClubViewer) -> Comment:
    """A comment the viewer may see, on a post the viewer may see; anything else is 404."""
    comments = Comment.objects.filter(pk=pk, achievement__club=club).select_related("achievement__club", "author")
    if not viewer.is_leader:
        comments = comments.filter(is_hidden=False, achievement__is_hidden=False)
    try:
        return comments.get()
    except Comment.DoesNotExist as exc:
        raise Http404 from exc


def open_reports(*, club: Club) -> QuerySet[Report]:
    """Reports the club's leaders have not answered yet, oldest first so nothing waits forever (1 query)."""
    return (
        Report.objects.filter(club=club, resolved_at__isnull=True)
        .select_related(
            "reporter",
            "achievement__author",
            "comment__author",
            "comment__achievement",
            "announcement_comment__author",
            "announcement_comment__announcement",
        )
        .order_by("created_at", "pk")
    )


def open_report_count(*, club: Club) -> int:
    return Report.objects.filter(club=club, resolved_at__isnull=True).count()


def club_member_get(*, club: Club, user_id: int) -> User:
    """A person of this club's member area (a member with access, a leader, staff); anyone else is 404."""
    members = Membership.objects.with_access().filter(club=club, user=OuterRef("pk"))
    person = (
        User.objects.filter(pk=user_id)
        .annotate(
            is_member=Exists(members),
            is_leader=Exists(Club.leaders.through.objects.filter(club=club, user=OuterRef("pk"))),
        )
        .first()
    )
    if person is None or not (person.is_member or person.is_leader or user_has_staff_powers(person)):
        raise Http404
    return person


def events_attended_by(*, club: Club, user: User) -> QuerySet[EventOccurrence]:
    """Events of this club the member checked in at, newest first: the only ones a post may link to."""
    return EventOccurrence.objects.filter(club=club, attendances__user=user).order_by("-starts_at", "-pk")


# --- Recognition ----------------------------------------------------------------------------


def streak_from_weeks(*, weeks: set[date], current_week: date) -> int:
    """Consecutive weeks with an achievement, ending this week or, if none yet this week, last week.

    A week without a post yet is not a broken streak until it is over.
    """
    week = current_week if current_week in weeks else current_week - timedelta(weeks=1)
    streak = 0
    while week in weeks:
        streak += 1
        week -= timedelta(weeks=1)
    return streak


def member_streak(*, club: Club, member: User, now: datetime | None = None) -> int:
    """The member's streak in this club, weeks counted in the club's time zone (1 query)."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(club.time_zone)
    posted = Achievement.objects.filter(
        club=club, author=member, is_hidden=False, created_at__gte=now - timedelta(weeks=STREAK_LOOKBACK_WEEKS)
    ).values_list("created_at", flat=True)
    weeks = set()
    for created_at in posted:
        day = timezone.localtime(created_at, timezone=zone).date()
        weeks.add(day - timedelta(days=day.weekday()))
    return streak_from_weeks(weeks=weeks, current_week=club_week_start(club=club, at=now))


@dataclass(frozen=True)
class ClubHomeFeed:
    highlight: Achievement | None
    highlight_week: date | None
    recent: list[Achievement]


def club_home_feed(*, club: Club, viewer: ClubViewer) -> ClubHomeFeed:
    """The latest highlight of the week and the newest achievements, for club home (2 queries).

    Two index reads (the club's newest highlight, and its newest achievements by ``feed_achievement_club_recent``)
    stay fast at any feed size; sorting every achievement of the club by "is it the highlight" did not.
    """
    latest = (
        WeeklyHighlight.objects.filter(club=club, achievement__is_hidden=False)
        .select_related("achievement__author")
        .order_by("-week_start")
        .first()
    )
    highlight = latest.achievement if latest else None
    newest = (
        _visible(Achievement.objects.filter(club=club), viewer=viewer)
        .select_related("author")
        .order_by("-created_at", "-pk")[: RECENT_ON_CLUB_HOME + 1]
    )
    recent = [achievement for achievement in newest if highlight is None or achievement.pk != highlight.pk]
    return ClubHomeFeed(
        highlight=highlight, highlight_week=latest.week_start if latest else None, recent=recent[:RECENT_ON_CLUB_HOME]
    )


# --- Announcements --------------------------------------------------------------------------

PINNED_ON_CLUB_HOME = 3


def _announcements(*, club: Club, viewer: ClubViewer) -> QuerySet[Announcement]:
    """The club's announcements with what a list shows: the author, whether it was emailed, the comment count."""
    comments = _visible(AnnouncementComment.objects.filter(announcement=OuterRef("pk")), viewer=viewer)
    counted = comments.order_by().values("announcement").annotate(count=Count("pk")).values("count")
    return (
        Announcement.objects.filter(club=club)
        .select_related("author", "club")
        .annotate(
            comment_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
            was_emailed=Exists(AnnouncementEmail.objects.filter(announcement=OuterRef("pk"))),
        )
    )


def announcement_page(*, club: Club, viewer: ClubViewer, page: str | int | None, page_size: int) -> Page:
    """One page of the club's announcements, pinned first, then newest (2 queries: the count and the page).

    A club posts a few a week, so a numbered page (COUNT and OFFSET) stays cheap; a page number that is
    not a number or lies past the end gives the nearest real page, never an error.
    """
    announcements = _announcements(club=club, viewer=viewer).order_by("-is_pinned", "-created_at", "-pk")
    return Paginator(announcements, page_size).get_page(page)


def announcement_get(*, club: Club, pk: int, viewer: ClubViewer) -> Announcement:
    """One announcement of this club; another club's is 404 (1 query)."""
    try:
        return _announcements(club=club, viewer=viewer).get(pk=pk)
    except Announcement.DoesNotExist as exc:
        raise Http404 from exc


def announcement_comments(*, announcement: Announcement, viewer: ClubViewer, user: User) -> list[AnnouncementComment]:
    """The comments under an announcement, oldest first; hidden ones reach leaders only (1 query)."""
    comments = _visible(AnnouncementComment.objects.filter(announcement=announcement), viewer=viewer)
    return list(
        comments.select_related("author")
        .annotate(viewer_reported=Exists(Report.objects.filter(announcement_comment=OuterRef("pk"), reporter=user)))
        .order_by("created_at", "pk")
    )


def announcement_comment_get(*, club: Club, pk: int, viewer: ClubViewer) -> AnnouncementComment:
    """A comment under one of this club's announcements that the viewer may see; anything else is 404."""
    comments = AnnouncementComment.objects.filter(pk=pk, announcement__club=club).select_related(
        "announcement__club", "author"
    )
    comments = _visible(comments, viewer=viewer)
    try:
        return comments.get()
    except AnnouncementComment.DoesNotExist as exc:
        raise Http404 from exc


def club_home_announcements(*, club: Club) -> list[Announcement]:
    """The pinned announcements for club home, newest first (1 query, ``feed_announcement_pinned``)."""
    return list(
        Announcement.objects.filter(club=club, is_pinned=True)
        .select_related("author")
        .order_by("-created_at", "-pk")[:PINNED_ON_CLUB_HOME]
    )
