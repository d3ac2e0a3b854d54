"""Event emails: reminders, cancellations and waitlist promotions, each sent once, in the member's language
and time zone, and only to people who may see the club's events right now."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.emails import branding_for
from clubs.permissions import club_viewer
from core import emails
from events.models import EventOccurrence, EventReminder, ReminderKind, Rsvp, RsvpStatus
from events.selectors import event_access_q
from members.emails import recipient_for
from members.models import User

# kind -> (how long before the start it is due, the next kind's lead: below it, the later reminder takes over)
REMINDER_WINDOWS = {
    ReminderKind.DAY_BEFORE: (timedelta(hours=24), timedelta(hours=1)),
    ReminderKind.HOUR_BEFORE: (timedelta(hours=1), timedelta(0)),
}


def _event_url(occurrence: EventOccurrence) -> str:
    return settings.SITE_URL + reverse("events:event-detail", args=[occurrence.club.slug, occurrence.pk])


def _send(*, user: User, occurrence: EventOccurrence, template: str, extra: dict | None = None) -> None:
    """Through the one pipeline (core/emails.py), in the member's language (else the club's) and time zone.

    Transactional: each is about an RSVP the member made themselves (reminders have their own preference,
    read when the candidates are chosen).
    """
    club = occurrence.club
    context = {"user": user, "club": club, "occurrence": occurrence, "event_url": _event_url(occurrence)}
    context.update(extra or {})
    emails.email_send(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template=f"events/email/{template}_subject.txt",
        text_template=f"events/email/{template}.txt",
        html_template=f"events/email/{template}.html",
        context=context,
        reason=lambda: (
            _("You get this email because you answered “going” to this event of %(club)s.") % {"club": club.local_name}
        ),
    )


def reminder_candidates(*, kind: str, now: datetime):
    """Going members of events due for this reminder who want reminders, still have access, and were not
    reminded yet. Someone who answered after the reminder moment already knows: they get none of this kind."""
    lead, next_lead = REMINDER_WINDOWS[ReminderKind(kind)]
    return (
        Rsvp.objects.filter(
            status=RsvpStatus.GOING,
            occurrence__cancelled_at__isnull=True,
            occurrence__starts_at__gt=now + next_lead,
            occurrence__starts_at__lte=now + lead,
            responded_at__lt=F("occurrence__starts_at") - lead,
            user__is_active=True,
            user__email_event_reminders=True,
        )
        .filter(event_access_q(club_path="occurrence__club", user_path="user", now=now))
        .exclude(reminders__kind=kind)
        .select_related("user", "occurrence__club")
        .order_by("occurrence__starts_at", "pk")
    )


def event_reminders_send(*, now: datetime | None = None) -> int:
    """Send the 24-hour and 1-hour reminders that are due; returns how many went out.

    Each reminder is claimed by inserting its unique (RSVP, kind) row in the same transaction as the send:
    a second run, or a second worker at the same moment, finds the row taken and sends nothing. A failed send
    rolls the claim back, so the next run tries again.
    """
    now = now or timezone.now()
    sent = 0
    for kind in REMINDER_WINDOWS:
        for rsvp in reminder_candidates(kind=kind, now=now):
            try:
                with transaction.atomic():
                    EventReminder.objects.create(rsvp=rsvp, kind=kind, sent_at=now)
                    _send(user=rsvp.user, occurrence=rsvp.occurrence, template="reminder", extra={"kind": kind})
            except IntegrityError:
                continue
            sent += 1
    return sent


def occurrence_cancellation_notify(*, occurrence_pk: int, now: datetime | None = None) -> int:
    """Tell those going or waitlisted that the event is cancelled, once; returns how many were emailed.

    ``occurrence_cancel`` records the cancellation and its notice runs on its own (changes.py); this is the
    entry for a cancellation recorded without one (an older queued task, a row changed by hand).
    """
    from events.services.changes import cancellation_change_for, event_change_notify

    change = cancellation_change_for(occurrence_pk=occurrence_pk, now=now)
    return event_change_notify(change_pk=change.pk, now=now) if change is not None else 0


@transaction.atomic
def waitlist_promotion_notify(*, rsvp_pk: int, now: datetime | None = None) -> bool:
    """Tell a member a seat came free and is now theirs; once per promotion."""
    now = now or timezone.now()
    rsvp = Rsvp.objects.select_for_update(of=("self",)).select_related("user", "occurrence__club").get(pk=rsvp_pk)
    if rsvp.status != RsvpStatus.GOING or rsvp.promoted_at is None:
        return False
    if rsvp.promotion_emailed_at is not None and rsvp.promotion_emailed_at >= rsvp.promoted_at:
        return False
    if rsvp.occurrence.is_cancelled or not club_viewer(user=rsvp.user, club=rsvp.occurrence.club).may_enter_member_area:
        return False
    _send(user=rsvp.user, occurrence=rsvp.occurrence, template="promoted")
    rsvp.promotion_emailed_at = now
    rsvp.save(update_fields=["promotion_emailed_at"])
    return True


@transaction.atomic
def moved_to_waitlist_notify(*, rsvp_pk: int, now: datetime | None = None) -> bool:
    """Tell a member the leader lowered the capacity and their seat went back to the waitlist; once per move."""
    now = now or timezone.now()
    rsvp = Rsvp.objects.select_for_update(of=("self",)).select_related("user", "occurrence__club").get(pk=rsvp_pk)
    if rsvp.status != RsvpStatus.WAITLISTED or rsvp.moved_to_waitlist_at is None:
        return False
    if rsvp.move_emailed_at is not None and rsvp.move_emailed_at >= rsvp.moved_to_waitlist_at:
        return False
    if rsvp.occurrence.is_cancelled or not club_viewer(user=rsvp.user, club=rsvp.occurrence.club).may_enter_member_area:
        return False
    _send(user=rsvp.user, occurrence=rsvp.occurrence, template="moved_to_waitlist")
    rsvp.move_emailed_at = now
    rsvp.save(update_fields=["move_emailed_at"])
    return True
