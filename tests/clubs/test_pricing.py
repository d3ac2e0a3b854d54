import pytest
from django.utils import translation

from clubs.pricing import plan_pricing
from core.money import format_money
from tests.factories import ClubFactory, PlanFactory

pytestmark = pytest.mark.django_db


def demo_plans():
    club = ClubFactory()
    return [
        PlanFactory(club=club, name="Monthly", interval="month", interval_count=1, price_minor=500),
        PlanFactory(club=club, name="6 months", interval="month", interval_count=6, price_minor=2700),
        PlanFactory(club=club, name="Yearly", interval="year", interval_count=1, price_minor=4800),
    ]


def test_longer_plans_show_per_month_equivalent_and_saving_against_monthly():
    monthly, six, yearly = plan_pricing(demo_plans())
    assert (monthly.per_month_minor, monthly.saving_percent, monthly.saving_minor) == (500, 0, 0)
    assert not monthly.shows_per_month and not monthly.saves
    assert (six.per_month_minor, six.saving_percent, six.saving_minor) == (450, 10, 300)
    assert (yearly.per_month_minor, yearly.saving_percent, yearly.saving_minor) == (400, 20, 1200)
    assert yearly.shows_per_month and yearly.saves


def test_reference_is_the_dearest_per_month_even_when_it_is_not_first():
    club = ClubFactory()
    plans = [
        PlanFactory(club=club, interval="year", interval_count=1, price_minor=9000),
        PlanFactory(club=club, interval="month", interval_count=1, price_minor=900),
    ]
    yearly, monthly = plan_pricing(plans)
    assert yearly.saving_percent == 17  # 750 vs 900 a month
    assert yearly.saving_minor == 1800
    assert monthly.saving_percent == 0


def test_weekly_plan_per_month_uses_52_weeks_a_year():
    plan = PlanFactory(interval="week", interval_count=1, price_minor=300)
    (pricing,) = plan_pricing([plan])
    assert pricing.per_month_minor == 1300  # 300 * 52 / 12


def test_no_plans_no_pricing():
    assert plan_pricing([]) == []


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (500, "USD", "$5.00"),
        (4800, "EUR", "€48.00"),
        (150000, "JPY", "¥150,000"),
        (12345, "KWD", "KWD\u00a012.345"),
        (2700, "AED", "AED\u00a027.00"),
    ],
)
def test_money_uses_the_currency_exponent(amount, currency, expected):
    with translation.override("en"):
        assert format_money(amount, currency) == expected


def test_club_page_shows_plans_side_by_side_with_savings(client, club):
    html = client.get(club.get_absolute_url()).content.decode()
    assert html.index("Monthly") < html.index("6 months") < html.index("Yearly")
    assert "$4.50 per month" in html
    assert "Save 10%" in html and "$3.00 less than paying monthly" in html
    assert "Save 20%" in html and "$12.00 less than paying monthly" in html
    assert html.count("Most popular") == 1
