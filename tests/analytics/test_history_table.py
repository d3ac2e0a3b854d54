"""The daily history table formats its cells once per render (``history_cells``), as the per-cell filters would."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from analytics.templatetags.analytics_tags import history_cells
from clubs.templatetags.clubs_tags import localdate, money, number


@pytest.mark.parametrize("language", ["en", "de", "ar", "fa"])
def test_history_cells_are_the_text_of_the_date_number_and_money_filters(language):
    rows = [
        {"day": date(2026, 3, 1) + timedelta(days=index // 2), "currency": currency, "members": 17_407 + index,
         "paying": 1_234 * index, "mrr_minor": 7_012_345 + index}
        for index, currency in enumerate(["EUR", "USD"] * 3)
    ]  # fmt: skip
    with translation.override(language):
        expected = [
            (
                localdate(row["day"]),
                number(row["members"]),
                number(row["paying"]),
                money(row["mrr_minor"], row["currency"]),
            )
            for row in rows
        ]
        assert history_cells(rows) == expected
    assert len({cells[0] for cells in expected}) == 3  # each day's date formatted once, shown for both currencies
