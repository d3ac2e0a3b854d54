from django import template

from core.formatting import active_language, format_date, format_number, format_percent, round_half_up
from core.money import format_money

register = template.Library()


def to_minor(value) -> int:
    """Whole minor units by the one rounding rule (half up), as the CSV writes them."""
    return int(round_half_up(value))


@register.simple_tag
def money_or_dash(amount_minor, currency: str) -> str:
    """Money from a fractional amount of minor units (MRR, ARPU, LTV); "—" when unknown."""
    if amount_minor in (None, ""):
        return "—"
    return format_money(to_minor(amount_minor), currency)


@register.filter
def percent(value, decimals: int = 1) -> str:
    """A percentage (a Fraction or float out of 100) in the active language, "—" when unknown."""
    if value in (None, ""):
        return "—"
    return format_percent(value, decimal_pos=decimals)


@register.filter
def decimal(value, decimals: int = 1) -> str:
    if value in (None, ""):
        return "—"
    return format_number(round_half_up(value, decimals), decimal_pos=decimals)


@register.filter
def rounded(value) -> int:
    """The whole number ``decimal:0`` shows, for choosing a plural form: ``count counter=days|rounded``."""
    return int(round_half_up(value)) if value not in (None, "") else 0


@register.filter
def signed(value) -> str:
    """An NPS score with its sign: "+40", "-20", "0", or "—" without answers."""
    if value in (None, ""):
        return "—"
    text = format_number(abs(value))
    return f"+{text}" if value > 0 else (f"\u2212{text}" if value < 0 else text)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def achievements_per_member(engagement, members) -> str:
    """``{{ engagement|achievements_per_member:members_at_end }}``, two decimals, "—" without members."""
    value = engagement.achievements_per_member(members) if engagement not in (None, "") else None
    return decimal(value, 2)


@register.filter
def history_cells(history: list[dict]) -> list[tuple[str, str, str, str]]:
    """The daily history table's cells (day, members, paying members, MRR), formatted as ``localdate``,
    ``number`` and ``money`` do, for ``{% for day, members, paying, mrr in dashboard.history|history_cells %}``.

    A year for all clubs is 730 rows (a day per currency): through one filter per cell the table took
    190 ms of the staff dashboard in bench/analytics. Here the language is read once and each day's date
    formatted once for all its currencies (about half the time, same text); since issue 17 the numbers go through
    patterns parsed once per language (``core.formatting.number_format``): 730 rows take ~15 ms (en), was ~80.
    """
    language = active_language()
    days: dict = {}
    cells = []
    for row in history:
        day = row["day"]
        if day not in days:
            days[day] = format_date(day)
        cells.append(
            (
                days[day],
                format_number(row["members"], language=language),
                format_number(row["paying"], language=language),
                format_money(row["mrr_minor"], row["currency"], language=language),
            )
        )
    return cells
