"""Numbers and dates in the active language, with the digits that language writes.

Babel brings CLDR's patterns and separators, Django's format modules the date patterns and month names;
neither writes Arabic-Indic (ar) or Persian (fa) digits, so both pass through ``native_digits`` last.
Money is formatted in ``core.money.format_money`` on top of these helpers.
"""

import datetime
from decimal import Decimal

from babel.numbers import format_decimal
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.translation import get_language, to_locale

# CLDR numbering systems whose digits each language uses; every other language writes 0-9.
NUMBERING_SYSTEMS = {"ar": "arab", "fa": "arabext"}
DIGITS = {
    "arab": "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic, U+0660..U+0669
    "arabext": "۰۱۲۳۴۵۶۷۸۹",  # Extended Arabic-Indic (Persian), U+06F0..U+06F9
}
_TRANSLATIONS = {system: str.maketrans("0123456789", digits) for system, digits in DIGITS.items()}


def active_language(language: str | None = None) -> str:
    return (language or get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def babel_locale(language: str | None = None) -> str:
    return to_locale(active_language(language))


def numbering_system(language: str | None = None) -> str:
    return NUMBERING_SYSTEMS.get(active_language(language), "latn")


def native_digits(text: object, language: str | None = None) -> str:
    """Write ASCII digits in the language's own digits; everything else is kept as it is."""
    table = _TRANSLATIONS.get(numbering_system(language))
    text = str(text)
    return text.translate(table) if table else text


def format_number(value: int | float | Decimal, *, decimal_pos: int | None = None, language: str | None = None) -> str:
    """A count or amount with the locale's grouping, decimal sign and digits."""
    pattern = None
    if decimal_pos is not None:
        pattern = "#,##0" + ("." + "0" * decimal_pos if decimal_pos else "")
    text = format_decimal(
        value, format=pattern, locale=babel_locale(language), numbering_system=numbering_system(language)
    )
    return native_digits(text, language)


def format_date(value: datetime.date | datetime.datetime | None, format_name: str = "DATE_FORMAT") -> str:
    """Django's locale date pattern (month names translated), in the current time zone and the locale's digits."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return native_digits(date_filter(value, format_name))
