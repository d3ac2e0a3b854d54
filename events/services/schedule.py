"""Planning events: create a series, edit one occurrence or the whole series, cancel."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.models import Club
from core.dates import DateRangeError, date_checked
from core.formatting import format_date, format_number
from core.text import single_line
from events.exceptions import CapacityDecisionNeeded, ScheduleError
from events.models import EventOccurrence, EventSeries, Frequency
from events.recurrence import (
    is_last_weekday_of_month,
    local_to_utc,
    plan_occurrences,
    series_count_fits,
    series_last_allowed_date,
    weekday_ordinal,
)
from events.services.changes import Snapshot, change_record, snapshot
from events.services.rsvps import capacity_lower, seats_taken, waitlist_promote
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
    guests_allowed: int = 0


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


DETAIL_FIELDS = ("title", "description", "online_url", "place", "capacity", "rsvp_hours_before", "guests_allowed")


class OverCapacity:
    """What a leader chose when the new capacity is below the seats already taken."""

    KEEP = "keep"  # everyone going stays going; nobody new gets a seat until enough leave
    WAITLIST = "waitlist"  # those who answered last move to the head of the waitlist until the seats fit
    CHOICES = (KEEP, WAITLIST)


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
    if recurrence.frequency == Frequency.MONTHLY_WEEKDAY and weekday_ordinal(timing.start_date) > 4:
        raise ScheduleError(
            _("The first date is a fifth weekday, which most months lack. Choose the last one instead.")
        )
    if recurrence.frequency == Frequency.MONTHLY_LAST_WEEKDAY and not is_last_weekday_of_month(timing.start_date):
        raise ScheduleError(_("For “the last weekday of the month”, the first date must be the last such day."))
    available = series_count_fits(
        start_date=timing.start_date, frequency=recurrence.frequency, until=recurrence.until, count=recurrence.count
    )
    if available is not None:
        raise ScheduleError(
            series_too_long_message(count=recurrence.count, available=available, start_date=timing.start_date)
        )


def series_too_long_message(*, count: int, available: int, start_date: date) -> str:
    """Why a count is refused rather than cut: how many dates the 12 months hold, and until when."""
    return ngettext(
        "%(count)s date does not fit in 12 months: this rule gives %(available)s until %(last)s. "
        "Plan fewer dates, or plan the next series later.",
        "%(count)s dates do not fit in 12 months: this rule gives %(available)s until %(last)s. "
        "Plan fewer dates, or plan the next series later.",
        count,
    ) % {
        "count": format_number(count),
        "available": format_number(available),
        "last": format_date(series_last_allowed_date(start_date)),
    }


def _check_capacity(occurrences: list[EventOccurrence], *, capacity: int | None, over_capacity: str | None) -> None:
    """Refuse to guess when the new capacity is below the seats taken: the leader chooses (OverCapacity).

    Asked only where the capacity changes: once a leader kept everyone, later edits do not ask again.
    """
    if capacity is None or over_capacity in OverCapacity.CHOICES:
        return
    changing = [occurrence for occurrence in occurrences if occurrence.capacity != capacity]
    taken = max((seats_taken(occurrence) for occurrence in changing), default=0)
    if taken > capacity:
        raise CapacityDecisionNeeded(
            ngettext(
                "%(count)s seat is taken, more than the new capacity of %(capacity)s. Keep everyone who is "
                "going, or move those who answered last to the waitlist?",
                "%(count)s seats are taken, more than the new capacity of %(capacity)s. Keep everyone who is "
                "going, or move those who answered last to the waitlist?",
                taken,
            )
            % {"count": format_number(taken), "capacity": format_number(capacity)}
        )


def _after_save(occurrence: EventOccurrence, *, over_capacity: str | None, now: datetime) -> None:
    if over_capacity == OverCapacity.WAITLIST:
        capacity_lower(occurrence=occurrence, now=now)
    waitlist_promote(occurrence=occurrence, now=now)


def _save_changed(occurrence: EventOccurrence, *, before: Snapshot, now: datetime) -> None:
    """Save, raising SEQUENCE when what calendars show changed, and record the change members must hear of."""
    after = snapshot(occurrence)
    if after != before:
        occurrence.sequence += 1
    occurrence.save()
    if after != before:
        change_record(occurrence=occurrence, before=before, now=now)


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
    cover=None,
    now: datetime | None = None,
) -> EventSeries:
    """Plan an event and store every occurrence its rule gives, so each can later change on its own.

    ``cover`` is a PreparedImage from the form (or a raw upload, decoded here): see ``series_cover_set``.
    """
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
    if cover:
        series_cover_set(series=series, cover=cover)
    return series


COVER_MAX_SIDE = 1600


@transaction.atomic
def series_cover_set(*, series: EventSeries, cover=None, remove: bool = False) -> EventSeries:
    """Give every date of the series a cover image, re-encoded by the one image pipeline (members/images.py),
    or remove it. The file it replaces is deleted once the transaction commits; a rollback keeps it."""
    from members.images import as_prepared, delete_replaced_file_on_commit

    if not cover and not remove:
        return series
    delete_replaced_file_on_commit(series, "cover_image")
    if cover:
        prepared = as_prepared(cover, sides=[COVER_MAX_SIDE]).files[COVER_MAX_SIDE]
        series.cover_image.save(prepared.name, prepared, save=False)
    else:
        series.cover_image = ""
    series.save(update_fields=["cover_image", "updated_at"])
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
    over_capacity: str | None = None,
    now: datetime | None = None,
) -> EventOccurrence:
    """Change one occurrence only; it is marked edited so later edits of the series leave it as it is.

    A new date, time or place is told to those going or waitlisted (after commit, changes.py). A capacity
    below the seats taken raises CapacityDecisionNeeded unless ``over_capacity`` says what to do.
    """
    now = now or timezone.now()
    details = _check_details(details)
    _check_timing(timing)
    occurrence = EventOccurrence.objects.select_for_update().select_related("series", "club").get(pk=occurrence.pk)
    if occurrence.is_cancelled:
        raise ScheduleError(_("This event is cancelled."))
    if occurrence.ends_at <= now:
        raise ScheduleError(_("This event is over and can no longer be changed."))
    _check_capacity([occurrence], capacity=details.capacity, over_capacity=over_capacity)
    before = snapshot(occurrence)
    starts_at = local_to_utc(day=timing.start_date, at=timing.start_time, time_zone=occurrence.series.time_zone)
    occurrence.starts_at = starts_at
    occurrence.ends_at = starts_at + timing.duration
    _apply_details(occurrence, details)
    occurrence.is_edited = True
    _save_changed(occurrence, before=before, now=now)
    _after_save(occurrence, over_capacity=over_capacity, now=now)
    return occurrence


@transaction.atomic
def series_update(
    *,
    series: EventSeries,
    details: EventDetailsInput,
    timing: EventTimingInput,
    recurrence: RecurrenceInput,
    over_capacity: str | None = None,
    cover=None,
    remove_cover: bool = False,
    now: datetime | None = None,
) -> EventSeries:
    """Change the whole series from now on.

    Upcoming occurrences that were not edited on their own take the new details and time. Dates the new rule
    no longer gives are cancelled (those going are emailed) or, without any answer yet, removed; new dates are
    added. Past occurrences are history and stay as they were. Each moved date is told to its members as
    ``occurrence_update`` tells them, and the capacity rule is the same, for every date it applies to.
    """
    now = now or timezone.now()
    details = _check_details(details)
    _check_timing(timing)
    _check_recurrence(timing=timing, recurrence=recurrence)
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    series_cover_set(series=series, cover=cover, remove=remove_cover)
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
    kept = [o for o in upcoming if not o.is_edited and o.original_date in planned]
    _check_capacity(kept, capacity=details.capacity, over_capacity=over_capacity)
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
        before = snapshot(occurrence)
        occurrence.starts_at, occurrence.ends_at = item.starts_at, item.ends_at
        _apply_details(occurrence, details)
        _save_changed(occurrence, before=before, now=now)
        _after_save(occurrence, over_capacity=over_capacity, now=now)
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
    """Cancel one occurrence; after commit those going or waitlisted are told, with a calendar file that
    marks it cancelled (SEQUENCE raised, STATUS:CANCELLED). Cancelling twice changes nothing."""
    now = now or timezone.now()
    occurrence = EventOccurrence.objects.select_for_update().get(pk=occurrence.pk)
    if occurrence.is_cancelled:
        return occurrence
    if occurrence.ends_at <= now:
        raise ScheduleError(_("This event is over and can no longer be cancelled."))
    before = snapshot(occurrence)
    occurrence.cancelled_at = now
    occurrence.is_edited = True  # a later edit of the series must not bring it back
    _save_changed(occurrence, before=before, now=now)
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
