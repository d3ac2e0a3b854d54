"""Occurrence dates of a series, computed in local wall-clock time and only then turned into UTC.

An RRULE run on UTC times would drift by an hour at each DST change; running it on naive local times and
attaching the club's zone afterwards keeps "Tuesdays at 19:00" at 19:00 all year.
"""

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule

from core.dates import to_zone
from events.models import Frequency

MAX_OCCURRENCES = 60
MAX_SPAN = relativedelta(months=12)


@dataclass(frozen=True)
class PlannedOccurrence:
    original_date: date
    starts_at: datetime
    ends_at: datetime


def local_to_utc(*, day: date, at: time, time_zone: str) -> datetime:
    """A wall-clock time in a zone as an aware UTC datetime.

    In the hour that does not exist (spring forward) zoneinfo keeps the UTC offset from before the change,
    which moves the time an hour later, the way calendar apps do; in the repeated hour (fall back) the first
    one counts (fold=0).
    """
    local = datetime.combine(day, at).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    return to_zone(local, "UTC")  # DateRangeError, not OverflowError, at the calendar's ends


def series_last_allowed_date(start_date: date) -> date:
    return start_date + MAX_SPAN


def weekday_ordinal(day: date) -> int:
    """Which of its month's weekdays ``day`` is: 1 for the first Tuesday, ..., 5 for a fifth one."""
    return (day.day - 1) // 7 + 1


def is_last_weekday_of_month(day: date) -> bool:
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def _nth_weekday(year: int, month: int, *, weekday: int, ordinal: int) -> date | None:
    """The ``ordinal``-th ``weekday`` (Monday 0) of the month, -1 for the last; None when the month has none."""
    length = calendar.monthrange(year, month)[1]
    if ordinal == -1:
        last = date(year, month, length)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (ordinal - 1)
    return date(year, month, day) if day <= length else None


def _monthly_weekday_dates(*, start_date: date, last: bool, until: date) -> list[date]:
    """Every month on the start's weekday: the same ordinal (the 2nd Tuesday) or the last one of the month.

    Written as calendar arithmetic (not an RRULE) so the tests can hold it against dateutil's rrule.
    A fifth weekday exists only in some months; the form offers "last" for that, so here such months are
    skipped (as RFC 5545 does for BYDAY=5TU).
    """
    ordinal = -1 if last else weekday_ordinal(start_date)
    dates, year, month = [], start_date.year, start_date.month
    while True:
        day = _nth_weekday(year, month, weekday=start_date.weekday(), ordinal=ordinal)
        if day is not None and day > until:
            break
        if day is not None and day >= start_date:
            dates.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if date(year, month, 1) > until:
            break
    return dates


def rule_dates_in_span(*, start_date: date, frequency: str, until: date | None = None) -> list[date]:
    """Every date the rule gives until ``until`` or the end of the 12-month span, whichever comes first."""
    if frequency == Frequency.ONCE:
        return [start_date]
    last = series_last_allowed_date(start_date)
    until = min(until, last) if until else last
    if frequency in (Frequency.MONTHLY_WEEKDAY, Frequency.MONTHLY_LAST_WEEKDAY):
        return _monthly_weekday_dates(
            start_date=start_date, last=frequency == Frequency.MONTHLY_LAST_WEEKDAY, until=until
        )
    freq, interval = {
        Frequency.WEEKLY: (WEEKLY, 1),
        Frequency.BIWEEKLY: (WEEKLY, 2),
        Frequency.MONTHLY: (MONTHLY, 1),
    }[Frequency(frequency)]
    # Months without the start's day (the 31st, say) are skipped, as RFC 5545 says.
    dtstart = datetime.combine(start_date, time())
    rule = rrule(freq, interval=interval, dtstart=dtstart, until=datetime.combine(until, time()), count=None)
    return [moment.date() for moment in rule]


def occurrence_dates(
    *, start_date: date, frequency: str, until: date | None = None, count: int | None = None
) -> list[date]:
    """The local dates of a series: capped at MAX_OCCURRENCES and 12 months after the first date.

    The services refuse a count the span cannot hold (``series_count_fits``) before they get here, so the cap
    only guards callers that skip them.
    """
    count = min(count, MAX_OCCURRENCES) if count else MAX_OCCURRENCES
    return rule_dates_in_span(start_date=start_date, frequency=frequency, until=until)[:count]


def series_count_fits(*, start_date: date, frequency: str, until: date | None, count: int | None) -> int | None:
    """None when the rule gives ``count`` dates; else how many it gives within the 12-month span.

    Only the span refuses: a leader who set both an end date and a count gets the dates up to their own end.
    """
    if frequency == Frequency.ONCE or not count or until is not None:
        return None
    available = len(rule_dates_in_span(start_date=start_date, frequency=frequency))
    return None if available >= count else available


def plan_occurrences(
    *,
    start_date: date,
    start_time: time,
    duration: timedelta,
    time_zone: str,
    frequency: str,
    until: date | None = None,
    count: int | None = None,
) -> list[PlannedOccurrence]:
    planned = []
    for day in occurrence_dates(start_date=start_date, frequency=frequency, until=until, count=count):
        starts_at = local_to_utc(day=day, at=start_time, time_zone=time_zone)
        planned.append(PlannedOccurrence(original_date=day, starts_at=starts_at, ends_at=starts_at + duration))
    return planned
