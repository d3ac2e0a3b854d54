"""Planning events: create a series, edit one occurrence or the whole series, cancel."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.models import Club
from core.dates import DateRangeError, date_checked
from core.text import single_line
from events.exceptions import ScheduleError
from events.models import EventOccurrence, EventSeries, Frequency, Rsvp, RsvpStatus
from events.recurrence import local_to_utc, plan_occurrences, series_last_allowed_date
from events.services.rsvps import waitlist_promote
from members.models import User

MAX_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class EventDetailsInput:
    """What a leader types for an event, whether for a series or one occurrence."""

    title: str
    description: str = ""
    online_url: str = ""
    place: str = ""
    capacity: int | None = None
    rsvp_hours_before: int = 0


@dataclass(frozen=True)
class EventTimingInput:
    """Local date and wall-clock times in the club's time zone; an end before the start means the next day."""

    start_date: date
    start_time: time
    end_time: time

    @property
    def duration(self) -> timedelta:
        duration = datetime.combine(self.start_date, self.end_time) - datetime.combine(self.start_date, self.start_time)
        return duration if duration > timedelta(0) else duration + timedelta(days=1)


@dataclass(frozen=True)
class RecurrenceInput:
    frequency: str = Frequency.ONCE
    until: date | None = None
    count: int | None = None


DETAIL_FIELDS = ("title", "description", "online_url", "place", "capacity", "rsvp_hours_before")


def _check_details(details: EventDetailsInput) -> EventDetailsInput:
    """The details as stored: the title on one line, as email subjects and the calendar's SUMMARY need it."""
    details = replace(details, title=single_line(details.title))
    if not details.title:
        raise ScheduleError(_("An event needs a title."))
    return details


def _check_timing(timing: EventTimingInput) -> None:
    """The forms' date range again, for callers that skip the form: 9999-12-31 23:00 plus an hour, or
    0001-01-01 00:30 in Berlin turned into UTC, would overflow Python's calendar (a 500)."""
    try:
        date_checked(timing.start_date)
    except DateRangeError as error:
        raise ScheduleError(str(error)) from error


def _check_recurrence(*, timing: EventTimingInput, recurrence: RecurrenceInput) -> None:
    if recurrence.frequency == Frequency.ONCE:
        return
    if recurrence.until is None and recurrence.count is None:
        raise ScheduleError(_("A repeating event needs an end: a date or a number of times."))
    if recurrence.until is not None and recurrence.until < timing.start_date:
        raise ScheduleError(_("The series cannot end before its first date."))
    if recurrence.until is not None and recurrence.until > series_last_allowed_date(timing.start_date):
        raise ScheduleError(_("A series can span at most 12 months. Plan the next one later."))


def _apply_details(occurrence: EventOccurrence, details: EventDetailsInput) -> None:
    for field in DETAIL_FIELDS:
        setattr(occurrence, field, getattr(details, field))
    occurrence.rsvp_deadline = occurrence.starts_at - timedelta(hours=details.rsvp_hours_before)


def _recurrence_fields(recurrence: RecurrenceInput) -> dict:
    repeating = recurrence.frequency != Frequency.ONCE
    return {
        "frequency": recurrence.frequency,
        "until": recurrence.until if repeating else None,
        "count": recurrence.count if repeating else None,
    }


@transaction.atomic
def series_create(
    *,
    club: Club,
    actor: User,
    details: EventDetailsInput,
    timing: EventTimingInput,
    recurrence: RecurrenceInput,
    now: datetime | None = None,
) -> EventSeries:
    """Plan an event and store every occurrence its rule gives, so each can later change on its own."""
    now = now or timezone.now()
    details = _check_details(details)
    _check_timing(timing)
    _check_recurrence(timing=timing, recurrence=recurrence)
    if local_to_utc(day=timing.start_date, at=timing.start_time, time_zone=club.time_zone) <= now:
        raise ScheduleError(_("The first date must be in the future."))
    series = EventSeries.objects.create(
        club=club,
        created_by=actor,
        time_zone=club.time_zone,
        start_date=timing.start_date,
        start_time=timing.start_time,
        duration=timing.duration,
        **_recurrence_fields(recurrence),
        **{field: getattr(details, field) for field in DETAIL_FIELDS},
    )
    occurrences = []
    for planned in _planned(series):
        occurrence = EventOccurrence(
            series=series,
            club=club,
            original_date=planned.original_date,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
        )
        _apply_details(occurrence, details)
        occurrences.append(occurrence)
    EventOccurrence.objects.bulk_create(occurrences)
    return series


def _planned(series: EventSeries):
    return plan_occurrences(
        start_date=series.start_date,
        start_time=series.start_time,
        duration=series.duration,
        time_zone=series.time_zone,
        frequency=series.frequency,
        until=series.until,
        count=series.count,
    )


@transaction.atomic
def occurrence_update(
    *,
    occurrence: EventOccurrence,
    details: EventDetailsInput,
    timing: EventTimingInput,
    now: datetime | None = None,
) -> EventOccurrence:
    """Change one occurrence only; it is marked edited so later edits of the series leave it as it is."""
    now = now or timezone.now()
    details = _check_details(details)
    _check_timing(timing)
    occurrence = EventOccurrence.objects.select_for_update().select_related("series", "club").get(pk=occurrence.pk)
    if occurrence.is_cancelled:
        raise ScheduleError(_("This event is cancelled."))
    if occurrence.ends_at <= now:
        raise ScheduleError(_("This event is over and can no longer be changed."))
    starts_at = local_to_utc(day=timing.start_date, at=timing.start_time, time_zone=occurrence.series.time_zone)
    occurrence.starts_at = starts_at
    occurrence.ends_at = starts_at + timing.duration
    _apply_details(occurrence, details)
    occurrence.is_edited = True
    occurrence.save()
    waitlist_promote(occurrence=occurrence, now=now)
    return occurrence


@transaction.atomic
def series_update(
    *,
    series: EventSeries,
    details: EventDetailsInput,
    timing: EventTimingInput,
    recurrence: RecurrenceInput,
    now: datetime | None = None,
) -> EventSeries:
    """Change the whole series from now on.

    Upcoming occurrences that were not edited on their own take the new details and time. Dates the new rule
    no longer gives are cancelled (those going are emailed) or, without any answer yet, removed; new dates are
    added. Past occurrences are history and stay as they were.
    """
    now = now or timezone.now()
    details = _check_details(details)
    _check_timing(timing)
    _check_recurrence(timing=timing, recurrence=recurrence)
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    series.start_date = timing.start_date
    series.start_time = timing.start_time
    series.duration = timing.duration
    for field, value in _recurrence_fields(recurrence).items():
        setattr(series, field, value)
    for field in DETAIL_FIELDS:
        setattr(series, field, getattr(details, field))
    series.save()

    planned = {item.original_date: item for item in _planned(series) if item.starts_at > now}
    upcoming = list(series.occurrences.select_for_update().filter(starts_at__gt=now))
    existing_dates = set(series.occurrences.values_list("original_date", flat=True))
    for occurrence in upcoming:
        if occurrence.is_edited:
            continue
        item = planned.get(occurrence.original_date)
        if item is None:
            if occurrence.rsvps.exists():
                occurrence_cancel(occurrence=occurrence, now=now)
            else:
                occurrence.delete()
            continue
        occurrence.starts_at, occurrence.ends_at = item.starts_at, item.ends_at
        _apply_details(occurrence, details)
        occurrence.save()
        waitlist_promote(occurrence=occurrence, now=now)
    new = []
    for day, item in planned.items():
        if day in existing_dates:
            continue
        occurrence = EventOccurrence(
            series=series, club=series.club, original_date=day, starts_at=item.starts_at, ends_at=item.ends_at
        )
        _apply_details(occurrence, details)
        new.append(occurrence)
    EventOccurrence.objects.bulk_create(new)
    return series


@transaction.atomic
def occurrence_cancel(*, occurrence: EventOccurrence, now: datetime | None = None) -> EventOccurrence:
    """Cancel one occurrence and, after commit, email those going. Cancelling twice changes nothing."""
    from events.tasks import send_event_cancellation_emails

    now = now or timezone.now()
    occurrence = EventOccurrence.objects.select_for_update().get(pk=occurrence.pk)
    if occurrence.is_cancelled:
        return occurrence
    if occurrence.ends_at <= now:
        raise ScheduleError(_("This event is over and can no longer be cancelled."))
    occurrence.cancelled_at = now
    occurrence.is_edited = True  # a later edit of the series must not bring it back
    occurrence.save(update_fields=["cancelled_at", "is_edited", "updated_at"])
    if Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.GOING).exists():
        occurrence_pk = occurrence.pk
        transaction.on_commit(lambda: send_event_cancellation_emails.delay(occurrence_pk))
    return occurrence


@transaction.atomic
def series_cancel(*, series: EventSeries, now: datetime | None = None) -> int:
    """Cancel every upcoming occurrence of a series; returns how many were cancelled."""
    now = now or timezone.now()
    upcoming = series.occurrences.filter(starts_at__gt=now, cancelled_at__isnull=True)
    cancelled = 0
    for occurrence in upcoming:
        occurrence_cancel(occurrence=occurrence, now=now)
        cancelled += 1
    return cancelled
