"""iCalendar files: one event ("Add to calendar", the attachment of a change notice) and the member's feed.

Times are written in UTC, which every calendar converts to its own zone, so DST changes cannot shift them.
Each occurrence keeps one UID for life and a SEQUENCE raised on every change (EventOccurrence.sequence), and
the file says METHOD:PUBLISH with the club as ORGANIZER, as RFC 5546 asks of a published event: calendar
apps then replace the copy they hold instead of adding a second one, and show a cancelled one as cancelled.
The online link is written only for the occurrences named in ``online_for`` (those the member is going to).
"""

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from core.emails import sender_address
from core.text import single_line
from events.models import EventOccurrence

PRODID = "-//Returnpath//Club events//EN"


def occurrence_uid(occurrence: EventOccurrence) -> str:
    """Stable across edits, so calendar apps update the event instead of adding a second one."""
    return f"event-{occurrence.pk}@returnpath"


def _organizer(occurrence: EventOccurrence) -> vCalAddress:
    """The club, at its Reply-To address (where a member's answer reaches a person), else the site's sender."""
    club = occurrence.club
    organizer = vCalAddress(f"mailto:{club.reply_to_email or sender_address()}")
    organizer.params["cn"] = vText(single_line(club.local_name))
    return organizer


def _vevent(occurrence: EventOccurrence, *, now: datetime, online: bool) -> Event:
    event = Event()
    event.add("uid", occurrence_uid(occurrence))
    event.add("sequence", occurrence.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", occurrence.updated_at.astimezone(UTC))
    event.add("dtstart", occurrence.starts_at.astimezone(UTC))
    event.add("dtend", occurrence.ends_at.astimezone(UTC))
    event.add("organizer", _organizer(occurrence))
    # One-line properties stay on one line even for titles saved before forms refused line breaks.
    event.add("summary", single_line(f"{occurrence.title} · {occurrence.club.local_name}"))
    description = occurrence.description
    online_url = occurrence.online_url if online else ""
    if online_url:
        description = f"{description}\n\n{_('Join online')}: {online_url}".strip()
        event.add("url", online_url)
    event.add("description", description)
    if occurrence.place:
        event.add("location", single_line(occurrence.place))
    elif online_url:
        event.add("location", online_url)
    event.add("status", "CANCELLED" if occurrence.is_cancelled else "CONFIRMED")
    return event


def calendar_ics(
    occurrences: Iterable[EventOccurrence],
    *,
    name: str,
    now: datetime | None = None,
    online_for: Collection[int] = (),
) -> bytes:
    """The calendar file; ``online_for`` holds the pks of occurrences whose online link the reader may see."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property has no known type, so icalendar would write it raw: vText escapes it like SUMMARY.
    calendar.add("x-wr-calname", vText(single_line(name)))
    calendar.add("x-published-ttl", "PT1H")
    for occurrence in occurrences:
        calendar.add_component(_vevent(occurrence, now=now, online=occurrence.pk in online_for))
    return calendar.to_ical()
