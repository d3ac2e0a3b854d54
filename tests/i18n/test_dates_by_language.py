# ruff: noqa: RUF001 (Persian digits are the point of these tests)
"""Dates as each language's readers write them: German by CLDR, Persian in the Solar Hijri calendar (or Gregorian
by choice), with a reference conversion checked at fixed points that were verified independently."""

import datetime as dt

import pytest
from django.utils import translation

from core import solar_hijri
from core.formatting import GREGORIAN, calendar_activate, calendar_deactivate, format_date
from tests.factories import UserFactory

# 1 Farvardin (Nowruz) and one Dey date, as the Iranian calendar publishes them (and jdatetime/persiantools agree).
FIXED_POINTS = [
    ((1403, 1, 1), dt.date(2024, 3, 20)),
    ((1404, 1, 1), dt.date(2025, 3, 21)),
    ((1405, 10, 11), dt.date(2027, 1, 1)),
    ((1402, 12, 29), dt.date(2024, 3, 19)),  # the last day of a common year
    ((1403, 12, 30), dt.date(2025, 3, 20)),  # 1403 is leap: Esfand has 30 days
]


@pytest.fixture(autouse=True)
def _no_calendar_left_behind():
    yield
    calendar_deactivate()


@pytest.mark.parametrize(("solar", "gregorian"), FIXED_POINTS)
def test_solar_hijri_conversion_matches_fixed_points(solar, gregorian):
    assert solar_hijri.to_gregorian(*solar) == gregorian
    assert tuple(solar_hijri.from_gregorian(gregorian)) == solar


def test_solar_hijri_years_have_365_or_366_days_and_round_trip():
    """Every day from 2000 to 2040 maps to a Solar Hijri date and back; each year is 365 or 366 days long."""
    day = dt.date(2000, 1, 1)
    while day < dt.date(2040, 1, 1):
        assert solar_hijri.to_gregorian(*solar_hijri.from_gregorian(day)) == day
        day += dt.timedelta(days=1)
    for year in range(1379, 1419):
        length = (solar_hijri.nowruz(year + 1) - solar_hijri.nowruz(year)).days
        assert length == (366 if solar_hijri.is_leap(year) else 365)


def test_solar_hijri_refuses_days_that_do_not_exist():
    with pytest.raises(ValueError):
        solar_hijri.to_gregorian(1402, 12, 30)  # 1402 is not leap
    with pytest.raises(ValueError):
        solar_hijri.to_gregorian(1403, 7, 31)


def test_german_dates_as_germans_write_them():
    with translation.override("de"):
        assert format_date(dt.date(2026, 12, 1)) == "Di., 1. Dez. 2026"
        assert format_date(dt.date(2026, 5, 5)) == "Di., 5. Mai 2026"  # a short month name takes no full stop
        assert format_date(dt.datetime(2026, 12, 1, 18, 5)) == "Di., 1. Dez. 2026"
        assert format_date(dt.datetime(2026, 12, 1, 18, 5), "DATETIME_FORMAT") == "Di., 1. Dez. 2026, 18:05"


def test_persian_dates_default_to_solar_hijri_with_persian_digits():
    with translation.override("fa"):
        assert format_date(dt.date(2027, 1, 1)) == "۱۱ دی ۱۴۰۵"
        assert format_date(dt.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "۱۴۰۵/۹/۱۰"


def test_persian_reader_may_choose_gregorian():
    calendar_activate(GREGORIAN)
    with translation.override("fa"):
        assert format_date(dt.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "۲۰۲۶/۱۲/۱"


def test_solar_hijri_choice_does_not_change_other_languages():
    calendar_activate("solar_hijri")
    with translation.override("en"):
        assert format_date(dt.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "12/01/2026"


@pytest.mark.django_db
@pytest.mark.parametrize(("choice", "expected"), [("", "۱۱ دی ۱۴۰۵"), (GREGORIAN, "۱ ژانویه ۲۰۲۷")])
def test_profile_calendar_choice_applies_to_the_members_requests(rf, choice, expected):
    """The middleware writes the member's choice for the request and resets it afterwards."""
    from django.http import HttpResponse

    from members.forms import ProfileForm
    from members.middleware import UserPreferencesMiddleware

    assert "calendar" in ProfileForm().fields
    request = rf.get("/")
    request.user = UserFactory(preferred_language="fa", calendar=choice)
    middleware = UserPreferencesMiddleware(lambda request: HttpResponse(format_date(dt.date(2027, 1, 1))))
    assert middleware(request).content.decode() == expected
    with translation.override("fa"):  # nothing leaks into the next request
        assert format_date(dt.date(2027, 1, 1)) == "۱۱ دی ۱۴۰۵"
