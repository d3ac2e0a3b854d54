"""Occurrence dates of a series, computed in local wall-clock time and only then turned into UTC.

An RRULE run on UTC times would drift by an hour at each DST change; running it on naive local times and
attaching the club's zone afterwards keeps "Tuesdays at 19:00" at 19:00 all year.
"""

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


def occurrence_dates(
    *, start_date: date, frequency: str, until: date | None = None, count: int | None = None
) -> list[date]:
    """The local dates of a series: capped at MAX_OCCURRENCES and 12 months after the first date."""
    if frequency == Frequency.ONCE:
        return [start_date]
    last = series_last_allowed_date(start_date)
    until = min(until, last) if until else last
    count = min(count, MAX_OCCURRENCES) if count else MAX_OCCURRENCES
    freq, interval = {
        Frequency.WEEKLY: (WEEKLY, 1),
        Frequency.BIWEEKLY: (WEEKLY, 2),
        Frequency.MONTHLY: (MONTHLY, 1),
    }[Frequency(frequency)]
    # Months without the start's day (the 31st, say) are skipped, as RFC 5545 says.
    dtstart = datetime.combine(start_date, time())
    rule = rrule(freq, interval=interval, dtstart=dtstart, until=datetime.combine(until, time()), count=None)
    return [moment.date() for moment in rule][:count]


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
