# ruff: noqa: RUF001 (Arabic-Indic and Persian digits are the point of these tests)
"""Dates, times, numbers and money follow the locale: Arabic-Indic digits in Arabic, Persian digits in Persian."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from clubs.models import period_label
from clubs.pricing import plan_pricing
from core.formatting import format_date, format_number, native_digits
from core.money import format_money
from tests.factories import PlanFactory

MOMENT = datetime.datetime(2026, 3, 14, 17, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "1,234,567"), ("de", "1.234.567"), ("ar", "١٬٢٣٤٬٥٦٧"), ("fa", "۱٬۲۳۴٬۵۶۷"),
])  # fmt: skip
def test_numbers_use_the_locales_digits_and_grouping(language, expected):
    with translation.override(language):
        assert format_number(1234567) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "$48.00"),
    ("de", "48,00\u00a0$"),
    ("ar", "\u200f٤٨٫٠٠\u00a0US$"),
    ("fa", "\u200e$\u00a0۴۸٫۰۰"),
])  # fmt: skip
def test_money_is_in_the_clubs_currency_with_the_locales_symbol_position_and_digits(language, expected):
    with translation.override(language):
        assert format_money(4800, "USD") == expected


@pytest.mark.parametrize(("currency", "amount", "arabic"), [
    ("KWD", 12345, "١٢٫٣٤٥"),  # three decimals, as Stripe counts them
    ("JPY", 1500, "١٬٥٠٠"),  # none
    ("EUR", 4800, "٤٨٫٠٠"),
])  # fmt: skip
def test_money_keeps_the_currency_exponent_in_every_language(currency, amount, arabic):
    with translation.override("ar"):
        assert arabic in format_money(amount, currency)


def test_money_can_be_formatted_for_another_language_than_the_active_one():
    with translation.override("en"):
        assert format_money(4800, "EUR", language="de") == "48,00\u00a0€"


@pytest.mark.parametrize(("language", "date", "date_time"), [
    ("en", "March 14, 2026", "March 14, 2026, 6:05 p.m."),
    ("de", "Sa., 14. März 2026", "Sa., 14. März 2026, 18:05"),  # CLDR, as Germans write it
    ("ar", "١٤ مارس، ٢٠٢٦", "١٤ مارس، ٢٠٢٦، ٦:٠٥ م"),
    ("fa", "۲۳ اسفند ۱۴۰۴", "۲۳ اسفند ۱۴۰۴، ساعت ۱۸:۰۵"),  # Solar Hijri: 14 March 2026 is 23 Esfand 1404
])  # fmt: skip
def test_dates_and_times_follow_the_locale_in_the_viewers_time_zone(language, date, date_time):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert format_date(MOMENT) == date
        assert format_date(MOMENT, "DATETIME_FORMAT") == date_time


def test_template_filters_format_dates_counts_and_digits():
    template = Template("{% load clubs_tags %}{{ when|localdate }}|{{ count|number }}|{{ text|native_digits }}")
    with translation.override("fa"), timezone.override(zoneinfo.ZoneInfo("UTC")):
        rendered = template.render(Context({"when": MOMENT, "count": 1200, "text": "10:30"}))
    assert rendered == "۲۳ اسفند ۱۴۰۴|۱٬۲۰۰|۱۰:۳۰"


def test_native_digits_leave_latin_languages_alone():
    with translation.override("de"):
        assert native_digits("2026-03-14") == "2026-03-14"
    assert native_digits("42", language="ar") == "٤٢"


@pytest.mark.django_db
def test_plan_period_and_saving_use_the_locales_digits():
    monthly = PlanFactory(interval="month", interval_count=1, price_minor=500)
    half_year = PlanFactory(club=monthly.club, interval="month", interval_count=6, price_minor=2700)
    with translation.override("ar"):
        assert period_label("month", 6) == "٦ أشهر"
        assert plan_pricing([monthly, half_year])[1].saving_label == "وفّر ١٠٪"
    with translation.override("fa"):
        assert period_label("month", 6) == "۶ ماه"


@pytest.mark.django_db
def test_club_page_shows_prices_and_counts_in_persian_digits(client, club):
    html = client.get(club.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "$\u00a0۴۸٫۰۰" in html  # the yearly price
    assert "۶ ماه" in html
    assert "$48.00" not in html
