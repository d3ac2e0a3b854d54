"""Template filters of the import pages."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def last_day_in(value: datetime | None, club) -> date | None:
    """``{{ row.complimentary_until|last_day_in:club|localdate }}``: the last day of access, as the leader wrote it.

    Why: access is stored as the moment it ends, the start of the next day in the club's zone (``end_of_day``),
    so showing that moment would name the day after the one in the file (30 June became 1 July).
    """
    if value is None:
        return None
    return (value.astimezone(ZoneInfo(club.time_zone or "UTC")) - timedelta(microseconds=1)).date()
