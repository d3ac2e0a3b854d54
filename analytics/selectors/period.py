"""The period a dashboard looks at: two dates in a time zone, turned into two instants."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from django.utils import timezone

PRESET_DAYS = {"30d": 30, "quarter": 91, "year": 365}
DEFAULT_PRESET = "30d"


@dataclass(frozen=True)
class Period:
    """From the start of ``first_day`` to the end of ``last_day`` (inclusive), in ``time_zone``."""

    first_day: date
    last_day: date
    time_zone: str = "UTC"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=zoneinfo.ZoneInfo(self.time_zone))

    @cached_property
    def end(self) -> datetime:
        """The instant after the last day; never in the future (figures 'at the end' are figures now).

        Read once, so every query of one dashboard looks at the same instant.
        """
        end = datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=zoneinfo.ZoneInfo(self.time_zone))
        return min(end, max(timezone.now(), self.start))

    @property
    def days(self) -> float:
        """Elapsed days: a month crossing a daylight-saving change is 31.042 or 30.958 days, not 31.0.

        Two datetimes of one zoneinfo subtract as wall-clock times in Python, so both go to UTC first.
        """
        elapsed = self.end.astimezone(UTC) - self.start.astimezone(UTC)
        return max(elapsed.total_seconds() / 86400, 1 / 24)

    def as_query(self) -> str:
        return f"start={self.first_day.isoformat()}&end={self.last_day.isoformat()}"


def period_for_preset(preset: str, *, time_zone: str = "UTC", today: date | None = None) -> Period:
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(time_zone))
    days = PRESET_DAYS.get(preset, PRESET_DAYS[DEFAULT_PRESET])
    return Period(first_day=today - timedelta(days=days - 1), last_day=today, time_zone=time_zone)
