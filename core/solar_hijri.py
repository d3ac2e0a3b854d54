"""The Solar Hijri (Jalali) calendar, Iran's and Afghanistan's civil calendar, which Persian readers expect.

The conversion is the published arithmetic algorithm (Kazimierz Borkowski, "The Persian calendar for 3000 years",
Earth, Moon and Planets 74, 1996; the form used by jalaali-js): leap years follow 33-year cycles between the
listed break years, and 1 Farvardin falls on the March day ``march`` computed from the Gregorian leap count.
Valid for Solar Hijri years -61 to 3177, far wider than any date the project accepts (core/dates.py).
Only integer arithmetic on Python's proleptic Gregorian ordinals: no table of dates, no dependency.
"""

import datetime as dt
from typing import NamedTuple

# Years in which the 33-year leap pattern restarts (Borkowski's breaks).
BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178)
# Persian month names, in the order of the year (Farvardin first, 1 Farvardin is Nowruz).
MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


class SolarHijriDate(NamedTuple):
    year: int
    month: int  # 1 = Farvardin .. 12 = Esfand
    day: int


def _div(a: int, b: int) -> int:
    """Integer division truncated toward zero, as the algorithm is published (not Python's floor)."""
    return int(a / b)


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _year_facts(year: int) -> tuple[int, int, int]:
    """(leap, gregorian_year, march): years since the last leap year (0 = leap), the March day of 1 Farvardin."""
    if not BREAKS[0] <= year < BREAKS[-1]:
        raise ValueError(f"Solar Hijri year {year} is outside {BREAKS[0]}..{BREAKS[-1] - 1}")
    gregorian_year = year + 621
    leap_j = -14
    previous = BREAKS[0]
    jump = 0
    for brk in BREAKS[1:]:
        jump = brk - previous
        if year < brk:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        previous = brk
    n = year - previous
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gregorian_year, 4) - _div((_div(gregorian_year, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    if leap == -1:
        leap = 4
    return leap, gregorian_year, march


def is_leap(year: int) -> bool:
    return _year_facts(year)[0] == 0


def nowruz(year: int) -> dt.date:
    """1 Farvardin of ``year`` in the Gregorian calendar."""
    _leap, gregorian_year, march = _year_facts(year)
    return dt.date(gregorian_year, 3, march)


def to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Months 1-6 have 31 days, 7-11 have 30, Esfand 29 (30 in a leap year)."""
    if not 1 <= month <= 12 or not 1 <= day <= (31 if month <= 6 else 30):
        raise ValueError(f"no day {day} in month {month}")
    if month == 12 and day == 30 and not is_leap(year):
        raise ValueError(f"Esfand {year} has 29 days")
    offset = (month - 1) * 31 - max(0, month - 7) + day - 1
    return nowruz(year) + dt.timedelta(days=offset)


def from_gregorian(value: dt.date) -> SolarHijriDate:
    year = value.year - 621
    start = nowruz(year)
    if value < start:
        year -= 1
        start = nowruz(year)
    days = (value - start).days  # 0 on 1 Farvardin
    if days < 186:
        return SolarHijriDate(year, days // 31 + 1, days % 31 + 1)
    days -= 186
    return SolarHijriDate(year, days // 30 + 7, days % 30 + 1)
