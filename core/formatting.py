"""Numbers and dates in the active language, with the digits that language writes.

Babel brings CLDR's patterns and separators, Django's format modules the date patterns and month names;
neither writes Arabic-Indic (ar) or Persian (fa) digits, so both pass through ``native_digits`` last.
Money is formatted in ``core.money.format_money`` on top of these helpers.

Dates: German follows CLDR through Babel ("Di., 1. Dez. 2026", as Germans write it; Django's own German patterns
would give "Di 1 Dez"); Persian is written in the Solar Hijri calendar unless the reader chose the Gregorian one
(``User.calendar``, activated per request like the time zone).
"""

import copy
import datetime
import functools
import re
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import NumberPattern, get_currency_symbol, parse_pattern
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import formats, timezone
from django.utils.translation import get_language, to_locale

from core import solar_hijri

# CLDR numbering systems whose digits each language uses; every other language writes 0-9.
NUMBERING_SYSTEMS = {"ar": "arab", "fa": "arabext"}
DIGITS = {
    "arab": "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic, U+0660..U+0669
    "arabext": "۰۱۲۳۴۵۶۷۸۹",  # Extended Arabic-Indic (Persian), U+06F0..U+06F9
}
_TRANSLATIONS = {system: str.maketrans("0123456789", digits) for system, digits in DIGITS.items()}

GREGORIAN = "gregorian"
SOLAR_HIJRI = "solar_hijri"
# The calendar each language is read in when the reader chose none.
DEFAULT_CALENDARS = {"fa": SOLAR_HIJRI}
_calendar: ContextVar[str] = ContextVar("calendar", default="")

# Project date formats beside Django's names: a weekday with the date (an event's day).
PROJECT_DATE_FORMATS = {"WEEKDAY_DATE_FORMAT": {"": "D j M Y", "ar": "l j F Y", "fa": "l j F Y"}}
# Languages whose dates follow CLDR (Babel patterns) rather than Django's format modules, per format name.
BABEL_DATE_PATTERNS = {
    "de": {
        "DATE_FORMAT": "EEE, d. MMM y",
        "DATETIME_FORMAT": "EEE, d. MMM y, HH:mm",
        "WEEKDAY_DATE_FORMAT": "EEE, d. MMM y",
        "SHORT_DATE_FORMAT": "dd.MM.y",
        "SHORT_DATETIME_FORMAT": "dd.MM.y, HH:mm",
    }
}


def active_language(language: str | None = None) -> str:
    return _language_code(language or get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=64)
def _language_code(language: str) -> str:
    return language.split("-")[0].lower()


def babel_locale(language: str | None = None) -> str:
    return _babel_locale(active_language(language))


@functools.lru_cache(maxsize=64)
def _babel_locale(language: str) -> str:
    return to_locale(language)


@functools.lru_cache(maxsize=64)
def locale_object(language: str) -> Locale:
    """Babel's Locale for a language code ("de"), parsed once: parsing per number was a third of a dashboard's
    formatting time (issue 17)."""
    return Locale.parse(_babel_locale(_language_code(language)))


def numbering_system(language: str | None = None) -> str:
    return NUMBERING_SYSTEMS.get(active_language(language), "latn")


def native_digits(text: object, language: str | None = None) -> str:
    """Write ASCII digits in the language's own digits; everything else is kept as it is."""
    table = _TRANSLATIONS.get(numbering_system(language))
    text = str(text)
    return text.translate(table) if table else text


class NumberFormat:
    """One CLDR number pattern of one locale, ready to apply many times (``number_format`` builds and keeps it).

    ``apply`` gives exactly what Babel's ``NumberPattern.apply`` gives (the test in tests/core compares them over
    a grid of values and locales) without Babel's per-call look-ups of the locale's symbols, the currency's symbol
    and name, and the quote-stripping regex: a year's staff dashboard formats ~3,000 figures (issue 17). Patterns
    the fast path does not cover (scientific, significant digits, "¤¤¤", quotes in a symbol) go through
    Babel itself.
    """

    def __init__(self, pattern: NumberPattern, locale: Locale, *, currency: str | None, system: str) -> None:
        self.pattern, self.locale, self.currency, self.system = pattern, locale, currency, system
        self.group = locale.number_symbols[system]["group"]
        self.decimal = locale.number_symbols[system]["decimal"]
        self.int_min = pattern.int_prec[0]
        self.frac_min, self.frac_max = pattern.frac_prec
        self.quantum = Decimal("1").scaleb(-self.frac_max)
        self.first_group, self.other_group = pattern.grouping[0], pattern.grouping[1]
        symbol = get_currency_symbol(currency, locale) if currency else ""
        affixes = [*pattern.prefix, *pattern.suffix]
        self.fast = not (
            pattern.exp_prec
            or "@" in pattern.pattern
            or pattern.number_pattern == ""
            or "'" in self.group + self.decimal + symbol
            or "¤" in symbol
            or any(affix.count("'") % 2 or "¤¤¤" in affix for affix in affixes)
        )
        if self.fast:
            self.prefix = tuple(self._affix(affix, currency, symbol) for affix in pattern.prefix)
            self.suffix = tuple(self._affix(affix, currency, symbol) for affix in pattern.suffix)

    @staticmethod
    def _affix(affix: str, currency: str | None, symbol: str) -> str:
        """A prefix or suffix as ``apply`` leaves it: the currency put in, CLDR's quotes taken out."""
        if currency is not None and "¤" in affix:
            affix = affix.replace("¤¤", currency.upper()).replace("¤", symbol)
        return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", affix)

    def apply(self, value: int | float | Decimal) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if not self.fast or not value.is_finite():
            return self.pattern.apply(
                value, self.locale, currency=self.currency, currency_digits=False, numbering_system=self.system
            )
        value = value.scaleb(self.pattern.scale)  # percent patterns scale by 2
        negative = int(value.is_signed())
        integer, _, fraction = f"{abs(value).normalize().quantize(self.quantum):f}".partition(".")
        if len(integer) < self.int_min:
            integer = "0" * (self.int_min - len(integer)) + integer
        size, grouped = self.first_group, ""
        while len(integer) > size:
            grouped = self.group + integer[-size:] + grouped
            integer = integer[:-size]
            size = self.other_group
        fraction = fraction or "0"
        if len(fraction) < self.frac_min:
            fraction += "0" * (self.frac_min - len(fraction))
        if self.frac_max == 0 or (self.frac_min == 0 and int(fraction) == 0):
            fraction = ""
        else:
            while len(fraction) > self.frac_min and fraction[-1] == "0":
                fraction = fraction[:-1]
            fraction = self.decimal + fraction
        return self.prefix[negative] + integer + grouped + fraction + self.suffix[negative]


@functools.lru_cache(maxsize=256)
def number_format(
    language: str, kind: str = "decimal", *, decimal_pos: int | None = None, currency: str | None = None
) -> NumberFormat:
    """The locale's pattern of ``kind`` ("decimal", "percent", "currency") with ``decimal_pos`` decimals (the
    pattern's own when None), parsed once per language: the one place numbers, percentages and money get theirs."""
    language = _language_code(language)
    locale = locale_object(language)
    system = NUMBERING_SYSTEMS.get(language, "latn")
    if kind == "decimal":
        if decimal_pos is None:
            pattern = parse_pattern(locale.decimal_formats[None])
        else:
            pattern = parse_pattern("#,##0" + ("." + "0" * decimal_pos if decimal_pos else ""))
    else:
        pattern = copy.copy(locale.percent_formats[None] if kind == "percent" else locale.currency_formats["standard"])
        pattern.frac_prec = (decimal_pos, decimal_pos)
    return NumberFormat(pattern, locale, currency=currency, system=system)


def format_number(value: int | float | Decimal, *, decimal_pos: int | None = None, language: str | None = None) -> str:
    """A count or amount with the locale's grouping, decimal sign and digits."""
    language = active_language(language)
    text = number_format(language, decimal_pos=decimal_pos).apply(value)
    table = _TRANSLATIONS.get(NUMBERING_SYSTEMS.get(language, "latn"))
    return text.translate(table) if table else text


def calendar_activate(name: str) -> None:
    """The reader's calendar for this request ("" = the language's own); reset with ``calendar_deactivate``."""
    _calendar.set(name if name in (GREGORIAN, SOLAR_HIJRI) else "")


def calendar_deactivate() -> None:
    _calendar.set("")


def active_calendar(language: str | None = None) -> str:
    """Solar Hijri only where the language reads it (Persian); a Gregorian choice is kept everywhere."""
    language = active_language(language)
    default = DEFAULT_CALENDARS.get(language, GREGORIAN)
    chosen = _calendar.get()
    return chosen if chosen and default != GREGORIAN else default


# Django format characters that depend on the calendar (day, month, year); weekday and time do not.
_SOLAR_HIJRI_CHARACTERS = frozenset("jdnmFNMEbYyLt")


def _solar_hijri_format(value: datetime.date, django_format: str) -> str:
    """``django_format`` with its day, month and year characters replaced by the Solar Hijri values, escaped."""
    year, month, day = solar_hijri.from_gregorian(value.date() if isinstance(value, datetime.datetime) else value)
    month_name = solar_hijri.MONTHS[month - 1]
    month_length = 31 if month <= 6 else 30 if month < 12 or solar_hijri.is_leap(year) else 29
    values = {
        "j": str(day),
        "d": f"{day:02d}",
        "n": str(month),
        "m": f"{month:02d}",
        "Y": str(year),
        "y": f"{year % 100:02d}",
        "L": str(solar_hijri.is_leap(year)),
        "t": str(month_length),
    }
    out, escaped = [], False
    for character in django_format:
        if escaped:
            out.append("\\" + character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character in _SOLAR_HIJRI_CHARACTERS:
            out.append("".join("\\" + c for c in values.get(character, month_name)))
        else:
            out.append(character)
    return "".join(out)


def format_date(value: datetime.date | datetime.datetime | None, format_name: str = "DATE_FORMAT") -> str:
    """The locale's date pattern (month names translated), in the current time zone, calendar and digits.

    ``format_name`` is one of Django's (DATE_FORMAT, DATETIME_FORMAT...), a project one (PROJECT_DATE_FORMATS)
    or a literal Django format string.
    """
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    language = active_language()
    babel_pattern = BABEL_DATE_PATTERNS.get(language, {}).get(format_name)
    if babel_pattern:
        if isinstance(value, datetime.datetime):
            text = babel_format_datetime(value, babel_pattern, locale=babel_locale(language))
        else:
            text = babel_format_date(value, babel_pattern, locale=babel_locale(language))
        return native_digits(text, language)
    project = PROJECT_DATE_FORMATS.get(format_name)
    django_format = (project.get(language) or project[""]) if project else format_name
    if active_calendar(language) == SOLAR_HIJRI:
        if django_format in formats.FORMAT_SETTINGS:
            django_format = formats.get_format(django_format)
        django_format = _solar_hijri_format(value, django_format)
    return native_digits(date_filter(value, django_format))


def round_half_up(value: int | float | Decimal | Fraction, decimal_pos: int = 0) -> Decimal:
    """The one rounding rule of figures shown: half away from zero (462.5 -> 463, 12.5 -> 13, -12.5 -> -13).

    Python's ``round`` rounds half to even and floats carry binary error (``round(4.625, 2)`` is 4.62);
    an exact Fraction or Decimal in, an exact Decimal out, so a page and its CSV always agree.
    """
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    elif isinstance(value, float):
        exact = Decimal(repr(value))
    else:
        exact = Decimal(value)
    return exact.quantize(Decimal(1).scaleb(-decimal_pos), rounding=ROUND_HALF_UP)


def format_percent(
    value: int | float | Decimal | Fraction, *, decimal_pos: int = 1, language: str | None = None
) -> str:
    """A percentage (out of 100) by the locale's CLDR pattern: "97.0%" en, "97,0\u00a0%" de, native digits ar/fa."""
    language = active_language(language)
    text = number_format(language, "percent", decimal_pos=decimal_pos).apply(round_half_up(value, decimal_pos) / 100)
    return native_digits(text, language)


def blocktranslate_numbers_install() -> None:
    """Numbers inside ``{% blocktranslate %}`` (``{{ counter }}`` of a count, any ``with n=...``) in native digits.

    Django renders those values through ``render_value_in_context``, which knows no digits but ASCII; wrapping
    the name the i18n tags use reaches every template's plural counts without each one adding ``|number``.
    Only numbers are touched (never strings, so URLs and codes stay as they are), and only in ar and fa.
    """
    from django.templatetags import i18n

    original = i18n.render_value_in_context
    if getattr(original, "native_digits", False):
        return

    def render_value_in_context(value, context):
        text = original(value, context)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return native_digits(text)
        return text

    render_value_in_context.native_digits = True
    i18n.render_value_in_context = render_value_in_context
