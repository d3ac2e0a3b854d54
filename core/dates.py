"""The range every date a person types or puts in a link must fall in, and time-zone conversion that cannot overflow.

Python's dates end at 0001-01-01 and 9999-12-31. A date near either end is valid for a form's DateField, but
the next step overflows: the day after 9999-12-31, or 0001-01-01 00:30 in Berlin turned into UTC (the year 0).
That OverflowError was a 500 on dashboards (``?end=9999-12-31``) and event forms. Every date input therefore gets
a sensible range, stated next to the field (min/max on the input) and enforced by the form with a clear message:
from DATE_MIN to ten years ahead for things one plans (events, offers, complimentary access), to one year ahead
for a report's period. ``to_zone`` is the conversion for values that did not come through such a form.
"""

import datetime as dt
import zoneinfo

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.formatting import format_date

DATE_MIN = dt.date(2000, 1, 1)
PLANNING_YEARS = 10  # events, offers, complimentary access: planned at most this far ahead
REPORT_YEARS = 1  # a dashboard's period may end at most this far ahead
DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)


class DateRangeError(DomainError):
    """A date outside what the calendar (or the project) can work with."""


def planning_date_max(*, today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + relativedelta(years=PLANNING_YEARS)


def report_date_max(*, today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + relativedelta(years=REPORT_YEARS)


def date_range_message(*, low: dt.date, high: dt.date) -> str:
    return _("Choose a date between %(low)s and %(high)s.") % {"low": format_date(low), "high": format_date(high)}


def date_in_range(value, *, low: dt.date, high: dt.date) -> bool:
    """The calendar day as typed (a form's datetime is in the current time zone already) within [low, high]."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return low <= day <= high


class DateRangeValidator:
    def __init__(self, *, low: dt.date, high: dt.date):
        self.low, self.high = low, high

    def __call__(self, value) -> None:
        if value is not None and not date_in_range(value, low=self.low, high=self.high):
            raise ValidationError(date_range_message(low=self.low, high=self.high), code="date_range")


def date_bounds_set(field: forms.Field, *, low: dt.date = DATE_MIN, high: dt.date) -> None:
    """Give a date field its range: min/max on the input (the browser's own picker) and the form's own check.

    Call it from the form's __init__: ``high`` moves with today, and the message is in the request's language.
    """
    field.validators.append(DateRangeValidator(low=low, high=high))
    # The admin's split date and time: the bounds belong on the date part.
    widget = field.widget.widgets[0] if isinstance(field.widget, forms.MultiWidget) else field.widget
    if getattr(widget, "input_type", "") == "datetime-local":
        widget.attrs.update(min=f"{low.isoformat()}T00:00", max=f"{high.isoformat()}T23:59")
    else:
        widget.attrs.update(min=low.isoformat(), max=high.isoformat())


def date_bounds_apply(form: forms.BaseForm, *, low: dt.date = DATE_MIN, high: dt.date | None = None) -> None:
    """Bound every date field of ``form`` (default: from DATE_MIN to ten years ahead)."""
    high = high or planning_date_max()
    for field in form.fields.values():
        if isinstance(field, DATE_FIELDS):
            date_bounds_set(field, low=low, high=high)


def to_zone(value: dt.datetime, time_zone: str | dt.tzinfo) -> dt.datetime:
    """``value.astimezone(time_zone)``, refusing with DateRangeError instead of an OverflowError near year 1 or 9999."""
    zone = zoneinfo.ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    try:
        return value.astimezone(zone)
    except (OverflowError, ValueError) as error:
        raise DateRangeError(_("This date is too far in the past or the future.")) from error


def date_checked(day: dt.date, *, low: dt.date = DATE_MIN, high: dt.date | None = None) -> dt.date:
    """For services: the same range as the forms, refused with DateRangeError (callers that skip the form)."""
    high = high or planning_date_max()
    if not date_in_range(day, low=low, high=high):
        raise DateRangeError(date_range_message(low=low, high=high))
    return day


# Staff edit history and people in the admin (a birthday in 1970, a membership started in 1998): their
# range is only what no time-zone conversion can overflow, not the planning range of members' forms.
ADMIN_DATE_MIN = dt.date(1900, 1, 1)
ADMIN_DATE_MAX = dt.date(2100, 12, 31)


def admin_date_bounds_install() -> None:
    """Every date field of every admin form (ModelAdmin and inline, any app) gets the admin's sane range.

    The admin builds its form fields per request through ``formfield_for_dbfield``; wrapping it once here
    (from CoreConfig.ready) reaches the admins of every app without each one remembering to.
    """
    from django.contrib.admin.options import BaseModelAdmin

    original = BaseModelAdmin.formfield_for_dbfield
    if getattr(original, "date_bounds", False):
        return

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = original(self, db_field, request, **kwargs)
        if isinstance(field, DATE_FIELDS):
            date_bounds_set(field, low=ADMIN_DATE_MIN, high=ADMIN_DATE_MAX)
        return field

    formfield_for_dbfield.date_bounds = True
    BaseModelAdmin.formfield_for_dbfield = formfield_for_dbfield
