"""Answering an event: going or not, capacity and the waitlist.

Every change locks the occurrence row first (SELECT ... FOR UPDATE), so two members racing for the last seat
are served one after the other and the event is never overbooked.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.permissions import club_viewer
from events.exceptions import RsvpError
from events.models import EventOccurrence, Rsvp, RsvpStatus
from members.models import User


def _seats_taken(occurrence: EventOccurrence) -> int:
    return Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.GOING).count()


def waitlist_promote(*, occurrence: EventOccurrence, now: datetime | None = None) -> list[int]:
    """Give free seats to the longest waiting members, in order; emails each after commit.

    The caller holds the occurrence's row lock (inside its transaction). Returns the promoted RSVP ids.
    """
    from events.tasks import send_waitlist_promotion_email

    now = now or timezone.now()
    if occurrence.is_cancelled or occurrence.ends_at <= now:
        return []
    waiting = Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.WAITLISTED).order_by("waitlisted_at", "pk")
    if occurrence.capacity is not None:
        free = max(occurrence.capacity - _seats_taken(occurrence), 0)
        waiting = waiting[:free]
    promoted = []
    for rsvp in waiting:
        rsvp.status = RsvpStatus.GOING
        rsvp.responded_at = now
        rsvp.waitlisted_at = None
        rsvp.promoted_at = now
        rsvp.save(update_fields=["status", "responded_at", "waitlisted_at", "promoted_at"])
        promoted.append(rsvp.pk)
    for rsvp_pk in promoted:
        transaction.on_commit(lambda rsvp_pk=rsvp_pk: send_waitlist_promotion_email.delay(rsvp_pk))
    return promoted


@transaction.atomic
def rsvp_set(*, occurrence_pk: int, user: User, going: bool, now: datetime | None = None) -> Rsvp:
    """Record a member's answer. At capacity, "going" joins the waitlist; leaving frees a seat for the next one.

    Answers close at the RSVP deadline, so the list a leader prints is the list that comes.
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
    if going:
        if previous in (RsvpStatus.GOING, RsvpStatus.WAITLISTED):
            return rsvp
        full = occurrence.capacity is not None and _seats_taken(occurrence) >= occurrence.capacity
        status = RsvpStatus.WAITLISTED if full else RsvpStatus.GOING
    else:
        if previous == RsvpStatus.NOT_GOING:
            return rsvp
        status = RsvpStatus.NOT_GOING
    if rsvp is None:
        rsvp = Rsvp(occurrence=occurrence, user=user)
    rsvp.status = status
    rsvp.responded_at = now
    rsvp.waitlisted_at = now if status == RsvpStatus.WAITLISTED else None
    rsvp.save()
    if previous == RsvpStatus.GOING:
        waitlist_promote(occurrence=occurrence, now=now)
    return rsvp
