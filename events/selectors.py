"""Reads for events, each scoped to what the viewer may see.

Who sees a club's events is the member-area rule (clubs.permissions.club_viewer): members with access, the
club's leaders and staff. Views check it once per request; queries over many people use ``event_access_q``.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from clubs.models import Club, Membership
from events.models import Attendance, CalendarFeedToken, EventOccurrence, EventSeries, Rsvp, RsvpStatus
from members.models import User
from members.permissions import staff_powers_q

FEED_PAST_DAYS = 60
FEED_MAX_EVENTS = 500


def event_access_q(*, club_path: str, user_path: str, now: datetime | None = None) -> Q:
    """Rows whose user may see events of the row's club: access by THE rule, or leading the club, or staff."""
    now = now or timezone.now()
    membership = Membership.objects.with_access(now).filter(club=OuterRef(club_path), user=OuterRef(user_path))
    leads = Club.leaders.through.objects.filter(club=OuterRef(club_path), user=OuterRef(user_path))
    return Q(Exists(membership)) | Q(Exists(leads)) | staff_powers_q(user_path=user_path)


def _seats(status: str):
    """Seats of one answer's parties (each member and their guests), as a subquery: no join, so other counts
    in the same query are not multiplied."""
    parties = (
        Rsvp.objects.filter(occurrence=OuterRef("pk"), status=status)
        .order_by()
        .values("occurrence")
        .annotate(seats=Sum(F("guests") + 1))
        .values("seats")
    )
    return Coalesce(Subquery(parties), Value(0))


def _with_counts_and_answer(occurrences: QuerySet[EventOccurrence], *, user: User) -> QuerySet[EventOccurrence]:
    """Annotate ``going_count`` (seats taken, guests included), ``waitlist_count`` and the viewer's own
    ``my_status`` in the same query."""
    my_answer = Rsvp.objects.filter(occurrence=OuterRef("pk"), user=user).values("status")[:1]
    return occurrences.select_related("series").annotate(
        going_count=_seats(RsvpStatus.GOING),
        waitlist_count=_seats(RsvpStatus.WAITLISTED),
        my_status=Subquery(my_answer),
    )


def occurrences_upcoming(*, club: Club, user: User, now: datetime | None = None) -> QuerySet[EventOccurrence]:
    """Events not yet over, soonest first, cancelled ones included so members see the change."""
    now = now or timezone.now()
    occurrences = EventOccurrence.objects.filter(club=club, ends_at__gt=now).order_by("starts_at", "pk")
    return _with_counts_and_answer(occurrences, user=user)


def occurrences_past(*, club: Club, user: User, now: datetime | None = None) -> QuerySet[EventOccurrence]:
    """The archive: events that are over, latest first, with how many checked in."""
    now = now or timezone.now()
    occurrences = EventOccurrence.objects.filter(club=club, ends_at__lte=now).order_by("-starts_at", "-pk")
    return _with_counts_and_answer(occurrences, user=user).annotate(attended_count=Count("attendances", distinct=True))


def occurrences_next_for_club_home(*, club: Club, now: datetime | None = None, limit: int = 3) -> list:
    """The next few events that still take place, for the club's member area (1 query)."""
    now = now or timezone.now()
    return list(
        EventOccurrence.objects.filter(club=club, ends_at__gt=now, cancelled_at__isnull=True)
        .annotate(going_count=_seats(RsvpStatus.GOING))
        .order_by("starts_at", "pk")[:limit]
    )


def occurrence_get(*, club: Club, pk: int) -> EventOccurrence:
    """One event of this club; another club's event answers 404 like a missing one."""
    try:
        return EventOccurrence.objects.select_related("series", "club").get(club=club, pk=pk)
    except EventOccurrence.DoesNotExist as exc:
        raise Http404 from exc


def series_get(*, club: Club, pk: int) -> EventSeries:
    try:
        return EventSeries.objects.select_related("club").get(club=club, pk=pk)
    except EventSeries.DoesNotExist as exc:
        raise Http404 from exc


def rsvp_for(*, occurrence: EventOccurrence, user: User) -> Rsvp | None:
    return Rsvp.objects.filter(occurrence=occurrence, user=user).first()


def occurrence_going(*, occurrence: EventOccurrence) -> QuerySet[Rsvp]:
    return occurrence.rsvps.filter(status=RsvpStatus.GOING).select_related("user").order_by("responded_at", "pk")


def occurrence_waitlist(*, occurrence: EventOccurrence) -> QuerySet[Rsvp]:
    return occurrence.rsvps.filter(status=RsvpStatus.WAITLISTED).select_related("user").order_by("waitlisted_at", "pk")


def waitlist_position(*, rsvp: Rsvp) -> int:
    """1 for the next one to get a seat."""
    ahead = Rsvp.objects.filter(occurrence_id=rsvp.occurrence_id, status=RsvpStatus.WAITLISTED).filter(
        Q(waitlisted_at__lt=rsvp.waitlisted_at) | Q(waitlisted_at=rsvp.waitlisted_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


def checkin_sheet(*, occurrence: EventOccurrence) -> tuple[list, list]:
    """For the leader's check-in page: (people going, other members with access), each marked ``attended``.

    3 queries whatever the number of people.
    """
    attended = set(occurrence.attendances.values_list("user_id", flat=True))
    going = [rsvp.user for rsvp in occurrence_going(occurrence=occurrence)]
    going_ids = {person.pk for person in going}
    others = [
        membership.user
        for membership in Membership.objects.filter(club=occurrence.club)
        .with_access()
        .exclude(user_id__in=going_ids)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    ]
    # People checked in without an RSVP and without a membership (a leader, say) still show as checked in.
    listed = going_ids | {person.pk for person in others}
    extra = list(User.objects.filter(pk__in=attended - listed))
    for person in [*going, *others, *extra]:
        person.attended = person.pk in attended
    return going, others + extra


def attendance_history(*, user: User, club: Club | None = None) -> QuerySet[Attendance]:
    """A member's check-ins, latest first (titles and dates only: no links or places)."""
    attendances = Attendance.objects.filter(user=user).select_related("occurrence__club")
    if club is not None:
        attendances = attendances.filter(occurrence__club=club)
    return attendances.order_by("-occurrence__starts_at", "-pk")


def attendance_count(*, user: User, club: Club, since: datetime | None = None) -> int:
    """How many events of a club a member attended (for "attended at least N events")."""
    attendances = Attendance.objects.filter(user=user, occurrence__club=club)
    if since is not None:
        attendances = attendances.filter(occurrence__starts_at__gte=since)
    return attendances.count()


def last_attendance_at(*, user: User, club: Club) -> datetime | None:
    latest = Attendance.objects.filter(user=user, occurrence__club=club).order_by("-checked_in_at").first()
    return latest.checked_in_at if latest else None


def club_member_for_leader(*, club: Club, user_id: int) -> User:
    """A person with a membership of this club (any status) or leading it; anyone else answers 404."""
    person = (
        User.objects.filter(pk=user_id)
        .filter(Q(memberships__club=club) | Q(led_clubs=club) | Q(event_attendances__occurrence__club=club))
        .distinct()
        .first()
    )
    if person is None:
        raise Http404
    return person


def calendar_token_live(*, user: User) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_token_owner(*, token: str) -> User:
    """The member behind a live feed token; a wrong or revoked token answers 404."""
    feed_token = (
        CalendarFeedToken.objects.filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed_token is None:
        raise Http404
    return feed_token.user


def clubs_with_event_access(*, user: User, now: datetime | None = None) -> QuerySet[Club]:
    """Clubs whose events the member may see now: membership with access, or leading the club."""
    now = now or timezone.now()
    with_access = Membership.objects.with_access(now).filter(user=user).values("club_id")
    return Club.objects.filter(Q(pk__in=with_access) | Q(leaders=user)).distinct()


def may_see_online_link(*, occurrence: EventOccurrence, rsvp: Rsvp | None, is_leader: bool) -> bool:
    """The meeting link is for those going (and the club's leaders, who set it); never for the rest."""
    return is_leader or (rsvp is not None and rsvp.status == RsvpStatus.GOING)


def going_occurrence_ids(*, user: User, occurrences: list[EventOccurrence]) -> set[int]:
    """Which of these occurrences the member is going to (one query): their online links may be shown."""
    pks = [occurrence.pk for occurrence in occurrences]
    return set(
        Rsvp.objects.filter(user=user, occurrence_id__in=pks, status=RsvpStatus.GOING).values_list(
            "occurrence_id", flat=True
        )
    )


def occurrences_for_feed(*, user: User, now: datetime | None = None) -> list[EventOccurrence]:
    """Recent and upcoming events of the clubs the member has access to right now, for the private feed."""
    now = now or timezone.now()
    club_ids = list(clubs_with_event_access(user=user, now=now).values_list("pk", flat=True))
    return list(
        EventOccurrence.objects.filter(club_id__in=club_ids, starts_at__gte=now - timedelta(days=FEED_PAST_DAYS))
        .select_related("club")
        .order_by("starts_at", "pk")[:FEED_MAX_EVENTS]
    )


def series_with_upcoming(*, series: EventSeries, now: datetime | None = None) -> EventSeries:
    now = now or timezone.now()
    upcoming = EventOccurrence.objects.filter(starts_at__gt=now).order_by("starts_at")
    return (
        EventSeries.objects.prefetch_related(Prefetch("occurrences", queryset=upcoming, to_attr="upcoming"))
        .select_related("club")
        .get(pk=series.pk)
    )
