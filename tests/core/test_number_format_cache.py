"""Issue 17: numbers, percentages and money go through parsed patterns kept per locale (``core.formatting.
number_format``) instead of Babel's ``format_*`` functions; the text must stay exactly Babel's.

The reference here is Babel's own plain ``format_decimal``, ``format_percent`` and ``format_currency`` called
with a freshly named locale, then the project's two documented additions (CLDR currency spacing, native digits).
"""

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from babel import numbers as babel_numbers
from django.utils import translation

from core.formatting import format_number, format_percent
from core.money import format_money

LOCALES = {"en": "en", "de": "de", "ar": "ar", "fa": "fa"}
SYSTEMS = {"ar": "arab", "fa": "arabext"}
DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹"}
VALUES = [
    0, 1, -1, 7, 12, 999, 1000, -1000, 12345, 1234567, -1234567, 10**12,
    Decimal("0.5"), Decimal("2.5"), Decimal("-0.5"), Decimal("1234.5678"), Decimal("0.0004"), Decimal("-0.0"),
    Decimal("99999.995"), 0.1, 2.675, 1e-7, 12345.678, -0.25,
]  # fmt: skip
MINOR_AMOUNTS = [0, 1, 5, 99, 100, 4800, 12345, 100000, 99_999_999, -250, -1]


def reference_digits(text: str, language: str) -> str:
    return text.translate(str.maketrans("0123456789", DIGITS[language])) if language in DIGITS else text


def reference_number(value, decimal_pos, language: str) -> str:
    pattern = None if decimal_pos is None else "#,##0" + ("." + "0" * decimal_pos if decimal_pos else "")
    text = babel_numbers.format_decimal(
        value, format=pattern, locale=LOCALES[language], numbering_system=SYSTEMS.get(language, "latn")
    )
    return reference_digits(text, language)


def reference_percent(value, decimal_pos: int, language: str) -> str:
    """Half up to ``decimal_pos`` decimals of the percentage, then the locale's percent pattern with exactly that
    many decimals written into it."""
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(str(value))
    )
    rounded = exact.quantize(Decimal(1).scaleb(-decimal_pos), rounding="ROUND_HALF_UP")
    base = babel_numbers.Locale.parse(LOCALES[language]).percent_formats[None].pattern
    pattern = re.sub(r"0(?=[^0-9#.,]|$)", "0." + "0" * decimal_pos, base, count=1) if decimal_pos else base
    text = babel_numbers.format_percent(
        rounded / 100, format=pattern, locale=LOCALES[language], numbering_system=SYSTEMS.get(language, "latn")
    )
    return reference_digits(text, language)


def reference_money(amount_minor: int, currency: str, language: str) -> str:
    """Babel's currency format with the currency's CLDR digits (equal to Stripe's for these currencies), and the
    no-break space CLDR puts between a letter symbol ("KWD") and a digit."""
    exponent = babel_numbers.get_currency_precision(currency)
    text = babel_numbers.format_currency(
        Decimal(amount_minor).scaleb(-exponent),
        currency,
        locale=LOCALES[language],
        numbering_system=SYSTEMS.get(language, "latn"),
    )
    symbol = babel_numbers.get_currency_symbol(currency, locale=LOCALES[language])
    if symbol[-1:].isalpha():
        text = re.sub(re.escape(symbol) + r"(?=[0-9])", symbol + "\u00a0", text)
    if symbol[:1].isalpha():
        text = re.sub(r"(?<=[0-9])" + re.escape(symbol), "\u00a0" + symbol, text)
    return reference_digits(text, language)


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("decimal_pos", [None, 0, 1, 2, 3])
def test_format_number_fast_path_matches_babels_format_decimal(language, decimal_pos):
    for value in VALUES:
        assert format_number(value, decimal_pos=decimal_pos, language=language) == reference_number(
            value, decimal_pos, language
        ), (value, decimal_pos, language)


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("decimal_pos", [0, 1, 2])
def test_format_percent_fast_path_matches_babels_format_percent(language, decimal_pos):
    for value in [*VALUES, Fraction(2, 3), Fraction(-1, 8), Fraction(200, 3)]:
        assert format_percent(value, decimal_pos=decimal_pos, language=language) == reference_percent(
            value, decimal_pos, language
        ), (value, decimal_pos, language)


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "KWD", "BHD"])
def test_format_money_fast_path_matches_babels_format_currency(language, currency):
    for amount in MINOR_AMOUNTS:
        assert format_money(amount, currency, language=language) == reference_money(amount, currency, language), (
            amount,
            currency,
            language,
        )


def test_cached_patterns_follow_the_active_language_from_call_to_call():
    """The patterns are kept per language: switching languages between calls never reuses another's."""
    for language in ["de", "en", "fa", "de", "ar", "en"]:
        with translation.override(language):
            assert format_number(1234567) == reference_number(1234567, None, language)
            assert format_money(123456, "EUR") == reference_money(123456, "EUR", language)
            assert format_percent(Decimal("12.5"), decimal_pos=1) == reference_percent(Decimal("12.5"), 1, language)
