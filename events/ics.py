"""iCalendar files: one event ("Add to calendar") and the member's private feed.

Times are written in UTC, which every calendar converts to its own zone, so DST changes cannot shift them.
Callers pass only events the member may see: the place and online link are written as they are.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

from core.text import single_line
from events.models import EventOccurrence

PRODID = "-//Returnpath//Club events//EN"


def occurrence_uid(occurrence: EventOccurrence) -> str:
    """Stable across edits, so calendar apps update the event instead of adding a second one."""
    return f"event-{occurrence.pk}@returnpath"


def _vevent(occurrence: EventOccurrence, *, now: datetime) -> Event:
    event = Event()
    event.add("uid", occurrence_uid(occurrence))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", occurrence.updated_at.astimezone(UTC))
    event.add("dtstart", occurrence.starts_at.astimezone(UTC))
    event.add("dtend", occurrence.ends_at.astimezone(UTC))
    # One-line properties stay on one line even for titles saved before forms refused line breaks.
    event.add("summary", single_line(f"{occurrence.title} · {occurrence.club.name}"))
    description = occurrence.description
    if occurrence.online_url:
        description = f"{description}\n\n{_('Join online')}: {occurrence.online_url}".strip()
        event.add("url", occurrence.online_url)
    event.add("description", description)
    if occurrence.place:
        event.add("location", single_line(occurrence.place))
    elif occurrence.online_url:
        event.add("location", occurrence.online_url)
    event.add("status", "CANCELLED" if occurrence.is_cancelled else "CONFIRMED")
    return event


def calendar_ics(occurrences: Iterable[EventOccurrence], *, name: str, now: datetime | None = None) -> bytes:
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
        calendar.add_component(_vevent(occurrence, now=now))
    return calendar.to_ical()
