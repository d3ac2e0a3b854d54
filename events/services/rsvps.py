"""Answering an event: going or not, guests, capacity and the waitlist.

Every change locks the occurrence row first (SELECT ... FOR UPDATE), so two members racing for the last seat
are served one after the other and the event is never overbooked. A member and their guests are one party:
it takes 1 + guests seats, gets a seat or waits as a whole, and the waitlist moves strictly in order (a
party that does not fit yet is not skipped for a smaller one behind it).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.permissions import club_viewer
from core.formatting import format_number
from events.exceptions import RsvpError
from events.models import EventOccurrence, Rsvp, RsvpStatus
from members.models import User
from notifications.services import notification_send


def seats_taken(occurrence: EventOccurrence) -> int:
    """Seats of those going: each member and their guests."""
    taken = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.GOING).aggregate(seats=Sum(F("guests") + 1))[
        "seats"
    ]
    return taken or 0


def waitlist_promote(*, occurrence: EventOccurrence, now: datetime | None = None) -> list[int]:
    """Give free seats to the longest waiting members, in order; emails each after commit.

    The caller holds the occurrence's row lock (inside its transaction). Returns the promoted RSVP ids.
    """
    from events.tasks import send_waitlist_promotion_email

    now = now or timezone.now()
    if occurrence.is_cancelled or occurrence.ends_at <= now:
        return []
    waiting = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.WAITLISTED).order_by("waitlisted_at", "pk")
    free = None if occurrence.capacity is None else max(occurrence.capacity - seats_taken(occurrence), 0)
    if free == 0:
        return []
    promoted = []
    for rsvp in waiting:
        if free is not None:
            if rsvp.seats > free:
                break  # strictly in order: the next party waits for enough seats
            free -= rsvp.seats
        rsvp.status = RsvpStatus.GOING
        rsvp.responded_at = now
        rsvp.waitlisted_at = None
        rsvp.promoted_at = now
        rsvp.save(update_fields=["status", "responded_at", "waitlisted_at", "promoted_at"])
        promoted.append(rsvp.pk)
    for rsvp_pk in promoted:
        transaction.on_commit(lambda rsvp_pk=rsvp_pk: send_waitlist_promotion_email.delay(rsvp_pk))
    if promoted:  # the bell too (the promotion email above goes whatever the notification choice)
        notification_send(
            kind="waitlist_promoted",
            user_ids=Rsvp.objects.filter(pk__in=promoted).values_list("user_id", flat=True),
            club=occurrence.club,
            params={"occurrence_id": occurrence.pk, "promoted_at": now.isoformat(), "event_title": occurrence.title},
            url=occurrence.get_absolute_url(),
        )
    return promoted


def capacity_lower(*, occurrence: EventOccurrence, now: datetime | None = None) -> list[int]:
    """The leader lowered the capacity below the seats taken and chose to move people: those who answered
    last go back to the head of the waitlist (their answer's time keeps their place in it) until the seats
    fit; each is told after commit. The caller holds the occurrence's row lock. Returns the moved RSVP ids."""
    from events.tasks import send_moved_to_waitlist_email

    now = now or timezone.now()
    if occurrence.capacity is None or occurrence.is_cancelled:
        return []
    excess = seats_taken(occurrence) - occurrence.capacity
    moved = []
    latest_first = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.GOING).order_by("-responded_at", "-pk")
    for rsvp in latest_first:
        if excess <= 0:
            break
        rsvp.status = RsvpStatus.WAITLISTED
        rsvp.waitlisted_at = rsvp.responded_at
        rsvp.moved_to_waitlist_at = now
        rsvp.save(update_fields=["status", "waitlisted_at", "moved_to_waitlist_at"])
        excess -= rsvp.seats
        moved.append(rsvp.pk)
    for rsvp_pk in moved:
        transaction.on_commit(lambda rsvp_pk=rsvp_pk: send_moved_to_waitlist_email.delay(rsvp_pk))
    return moved


def _check_guests(occurrence: EventOccurrence, guests: int) -> None:
    if guests < 0 or guests > occurrence.guests_allowed:
        if occurrence.guests_allowed == 0:
            raise RsvpError(_("This event is for members only: no guests."))
        raise RsvpError(
            ngettext(
                "You may bring at most %(count)s guest.",
                "You may bring at most %(count)s guests.",
                occurrence.guests_allowed,
            )
            % {"count": format_number(occurrence.guests_allowed)}
        )


@transaction.atomic
def rsvp_set(*, occurrence_pk: int, user: User, going: bool, guests: int = 0, now: datetime | None = None) -> Rsvp:
    """Record a member's answer. At capacity, "going" joins the waitlist; leaving frees a seat for the next one.

    Someone going who asks for more guests than the free seats allow is refused and keeps their seat (never
    moved to the waitlist by surprise); fewer guests free seats for the waitlist. Answers close at the RSVP
    deadline, so the list a leader prints is the list that comes.
    """
    now = now or timezone.now()
    occurrence = EventOccurrence.objects.select_for_update().select_related("club").get(pk=occurrence_pk)
    if not club_viewer(user=user, club=occurrence.club).may_enter_member_area:
        raise RsvpError(_("Only members of the club can answer its events."))
    if occurrence.is_cancelled:
        raise RsvpError(_("This event is cancelled."))
    if now >= occurrence.rsvp_deadline:
        raise RsvpError(_("Answers for this event are closed."))
    rsvp = Rsvp.objects.filter(occurrence=occurrence, user=user).first()
    previous = rsvp.status if rsvp else None
    if not going:
        guests = 0
    _check_guests(occurrence, guests)
    if going and previous in (RsvpStatus.GOING, RsvpStatus.WAITLISTED):
        if guests == rsvp.guests:
            return rsvp
        fewer = guests < rsvp.guests
        if previous == RsvpStatus.GOING and not fewer and occurrence.capacity is not None:
            free = occurrence.capacity - seats_taken(occurrence) + rsvp.seats
            if 1 + guests > free:
                raise RsvpError(
                    ngettext(
                        "Only %(count)s seat is free for you and your guests.",
                        "Only %(count)s seats are free for you and your guests.",
                        max(free, 0),
                    )
                    % {"count": format_number(max(free, 0))}
                )
        rsvp.guests = guests
        rsvp.save(update_fields=["guests"])
        if fewer:
            waitlist_promote(occurrence=occurrence, now=now)
        return rsvp
    if going:
        full = occurrence.capacity is not None and seats_taken(occurrence) + 1 + guests > occurrence.capacity
        status = RsvpStatus.WAITLISTED if full else RsvpStatus.GOING
    else:
        if previous == RsvpStatus.NOT_GOING:
            return rsvp
        status = RsvpStatus.NOT_GOING
    if rsvp is None:
        rsvp = Rsvp(occurrence=occurrence, user=user)
    rsvp.status = status
    rsvp.guests = guests
    rsvp.responded_at = now
    rsvp.waitlisted_at = now if status == RsvpStatus.WAITLISTED else None
    rsvp.save()
    if previous in (RsvpStatus.GOING, RsvpStatus.WAITLISTED):
        waitlist_promote(occurrence=occurrence, now=now)
    return rsvp
