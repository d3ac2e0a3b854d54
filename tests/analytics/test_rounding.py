"""Regressions of issue 17: one rounding rule (half up on minor units) and percentages by the locale's CLDR rules."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation

from analytics.csv_export import _money, _number
from analytics.selectors.nps import NpsFigures
from analytics.templatetags.analytics_tags import money_or_dash, percent, signed


def test_regression_half_a_minor_unit_rounds_up_on_the_page_and_in_the_csv():
    arpu = Decimal(1850) / 4  # 462.5 minor units
    with translation.override("en"):
        assert money_or_dash(arpu, "USD") == "$4.63"
    assert _money(arpu, "USD") == Decimal("4.63")


def test_regression_a_six_month_price_of_2703_is_4_51_a_month():
    monthly = Decimal(2703) / 6  # 450.5 minor units
    with translation.override("en"):
        assert money_or_dash(monthly, "USD") == "$4.51"
    assert _money(monthly, "USD") == Decimal("4.51")


def test_regression_nps_of_plus_12_5_shows_plus_13():
    figures = NpsFigures(answers=8, promoters=3, detractors=2)  # (3 - 2) / 8 = 12.5 %
    assert figures.score == 13
    with translation.override("en"):
        assert signed(figures.score) == "+13"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "97.0%"), ("de", "97,0\u00a0%"), ("ar", "\u0669\u0667\u066b\u0660%"), ("fa", "\u06f9\u06f7\u066b\u06f0%")],
)
def test_regression_percentages_follow_the_locale(language, expected):
    with translation.override(language):
        assert percent(Fraction(97)) == expected


def test_percent_rounds_half_up_like_the_csv():
    value = Fraction(1945, 20)  # 97.25
    with translation.override("en"):
        assert percent(value) == "97.3%"
    assert _number(value) == Decimal("97.3")
