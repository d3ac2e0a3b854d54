"""Telling members an event changed: what counts as a change, the row that records it, and the notice.

A change of what calendars show (title, description, times, place, online link, cancellation) raises the
occurrence's SEQUENCE (events/ics.py writes it), so calendar apps replace their copy of the event (RFC 5546:
the same UID with a higher SEQUENCE wins). A change of date, time, place or online link, or a cancellation,
is also recorded as an ``EventChange`` and told to everyone going or waitlisted: an in-site notification
(notifications app) and, to those who want it now, an email saying old -> new in their own time zone and
language with the updated .ics attached. The notice task claims the change row, so it runs once per
occurrence and SEQUENCE whatever the broker does.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clubs.emails import branding_for
from core import emails
from events.ics import calendar_ics
from events.models import EventChange, EventChangeKind, EventOccurrence, Rsvp, RsvpStatus
from events.selectors import event_access_q
from members.emails import recipient_for
from members.models import User


@dataclass(frozen=True)
class Snapshot:
    """What calendars show of an occurrence, taken before a write and compared after it."""

    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    title: str
    description: str
    cancelled: bool


def snapshot(occurrence: EventOccurrence) -> Snapshot:
    return Snapshot(
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        place=occurrence.place,
        online_url=occurrence.online_url,
        title=occurrence.title,
        description=occurrence.description,
        cancelled=occurrence.is_cancelled,
    )


def _told(occurrence: EventOccurrence):
    return Rsvp.objects.filter(occurrence=occurrence, status__in=[RsvpStatus.GOING, RsvpStatus.WAITLISTED])


def change_record(*, occurrence: EventOccurrence, before: Snapshot, now: datetime) -> EventChange | None:
    """Record a change members must hear of (the caller saved the occurrence with its new SEQUENCE) and
    enqueue the notice after commit. Returns None when nothing they must hear of changed, or nobody is told."""
    from events.tasks import send_event_change_notices

    after = snapshot(occurrence)
    cancelled = after.cancelled and not before.cancelled
    moved = (before.starts_at, before.ends_at, before.place, before.online_url) != (
        after.starts_at,
        after.ends_at,
        after.place,
        after.online_url,
    )
    if not (cancelled or moved) or not _told(occurrence).exists():
        return None
    change = EventChange.objects.create(
        occurrence=occurrence,
        sequence=occurrence.sequence,
        kind=EventChangeKind.CANCELLED if cancelled else EventChangeKind.CHANGED,
        old_starts_at=before.starts_at,
        old_ends_at=before.ends_at,
        old_place=before.place,
        old_online_url=before.online_url,
        new_starts_at=after.starts_at,
        new_ends_at=after.ends_at,
        new_place=after.place,
        new_online_url=after.online_url,
    )
    change_pk = change.pk
    transaction.on_commit(lambda: send_event_change_notices.delay(change_pk))
    return change


def changed_parts(change: EventChange) -> list[str]:
    """The words the notification names ("date", "time", "place"), read on the club's wall clock."""
    if change.kind == EventChangeKind.CANCELLED:
        return []
    zone = zoneinfo.ZoneInfo(change.occurrence.club.time_zone)
    old_start, new_start = change.old_starts_at.astimezone(zone), change.new_starts_at.astimezone(zone)
    parts = []
    if old_start.date() != new_start.date():
        parts.append("date")
    old_length, new_length = change.old_ends_at - change.old_starts_at, change.new_ends_at - change.new_starts_at
    if old_start.time() != new_start.time() or old_length != new_length:
        parts.append("time")
    if change.place_changed or change.online_url_changed:
        parts.append("place")
    return parts


def _event_url(occurrence: EventOccurrence) -> str:
    return reverse("events:event-detail", args=[occurrence.club.slug, occurrence.pk])


def _send(*, user: User, change: EventChange, going: bool) -> None:
    """The notice through the one pipeline, with the event's current calendar file attached.

    Transactional: it is about an event the member answered themselves. Only those going see the online
    link, in the email and in the attached file; the waitlisted learn that it changed.
    """
    occurrence = change.occurrence
    club = occurrence.club
    template = "cancelled" if change.kind == EventChangeKind.CANCELLED else "changed"
    context = {
        "user": user,
        "club": club,
        "occurrence": occurrence,
        "change": change,
        "going": going,
        "event_url": settings.SITE_URL + _event_url(occurrence),
    }
    message = emails.email_build(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template=f"events/email/{template}_subject.txt",
        text_template=f"events/email/{template}.txt",
        html_template=f"events/email/{template}.html",
        context=context,
        reason=lambda: (
            _("You get this email because you answered “going” to this event of %(club)s, or joined its waitlist.")
            % {"club": club.local_name}
        ),
    )
    with translation.override(user.preferred_language or club.default_language or settings.LANGUAGE_CODE):
        content = calendar_ics([occurrence], name=occurrence.title, online_for={occurrence.pk} if going else set())
    # RFC 5546: METHOD:PUBLISH in the file and in the part's Content-Type, so mail clients offer "update".
    message.attach(f"event-{occurrence.pk}.ics", content, "text/calendar; charset=utf-8; method=PUBLISH")
    message.send()


@transaction.atomic
def event_change_notify(*, change_pk: int, now: datetime | None = None) -> int:
    """Tell everyone going or waitlisted about one change, once; returns how many were emailed.

    The change row is locked and marked in the same transaction as the sends: a second run finds it marked
    and does nothing; a failed send rolls the mark back, so the retry tells everyone.
    """
    from notifications.selectors import users_wanting_email_now
    from notifications.services import notification_send

    now = now or timezone.now()
    change = (
        EventChange.objects.select_for_update(of=("self",))
        .select_related("occurrence__club")
        .filter(pk=change_pk)
        .first()
    )
    if change is None or change.notified_at is not None:
        return 0
    occurrence = change.occurrence
    rsvps = list(
        _told(occurrence)
        .filter(user__is_active=True)
        .filter(event_access_q(club_path="occurrence__club", user_path="user", now=now))
        .select_related("user")
        .order_by("pk")
    )
    kind = "event_cancelled" if change.kind == EventChangeKind.CANCELLED else "event_changed"
    user_ids = [rsvp.user_id for rsvp in rsvps]
    params = {"occurrence_id": occurrence.pk, "sequence": change.sequence, "event_title": occurrence.title}
    if kind == "event_changed":
        params["changed"] = changed_parts(change)
    notification_send(kind=kind, user_ids=user_ids, club=occurrence.club, params=params, url=_event_url(occurrence))
    wanting = set(users_wanting_email_now(user_ids=user_ids, kind=kind))
    sent = 0
    for rsvp in rsvps:
        if rsvp.user_id in wanting:
            _send(user=rsvp.user, change=change, going=rsvp.status == RsvpStatus.GOING)
            sent += 1
    change.notified_at = now
    change.save(update_fields=["notified_at"])
    if change.kind == EventChangeKind.CANCELLED:
        EventOccurrence.objects.filter(pk=occurrence.pk).update(cancellation_notified_at=now)
    return sent


@transaction.atomic
def cancellation_change_for(*, occurrence_pk: int, now: datetime | None = None) -> EventChange | None:
    """The cancellation's change row; one is recorded (SEQUENCE raised) when the cancellation has none.
    None when the occurrence is not cancelled."""
    occurrence = EventOccurrence.objects.select_for_update().filter(pk=occurrence_pk).first()
    if occurrence is None or not occurrence.is_cancelled:
        return None
    change = occurrence.changes.filter(kind=EventChangeKind.CANCELLED).order_by("-sequence").first()
    if change is not None or occurrence.cancellation_notified_at is not None:
        return change  # None: told before change rows existed
    occurrence.sequence += 1
    occurrence.save(update_fields=["sequence", "updated_at"])
    return EventChange.objects.create(
        occurrence=occurrence,
        sequence=occurrence.sequence,
        kind=EventChangeKind.CANCELLED,
        old_starts_at=occurrence.starts_at,
        old_ends_at=occurrence.ends_at,
        old_place=occurrence.place,
        old_online_url=occurrence.online_url,
        new_starts_at=occurrence.starts_at,
        new_ends_at=occurrence.ends_at,
        new_place=occurrence.place,
        new_online_url=occurrence.online_url,
    )
