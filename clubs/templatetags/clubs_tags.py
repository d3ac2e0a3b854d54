from decimal import Decimal

from django import forms, template

from core.formatting import format_date, format_number, native_digits
from core.money import format_money

register = template.Library()


@register.simple_tag
def money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency)


@register.filter
def number(value) -> str:
    """A count in the active language's grouping and digits: ``{{ member_count|number }}``."""
    if value in (None, ""):
        return ""
    try:
        return format_number(Decimal(str(value)) if isinstance(value, str) else value)
    except (ArithmeticError, TypeError, ValueError):  # a template filter shows what it cannot format, never fails
        return str(value)


@register.filter(expects_localtime=True)
def localdate(value, format_name: str = "DATE_FORMAT") -> str:
    """``{{ when|localdate }}`` or ``{{ when|localdate:"DATETIME_FORMAT" }}``: Django's date filter, native digits."""
    return format_date(value, format_name)


@register.filter(name="native_digits")
def native_digits_filter(value) -> str:
    """Already formatted text (a time, a page number) in the active language's digits."""
    return native_digits(value)


@register.filter
def bootstrap_widget(bound_field):
    """Render a form field's widget with Bootstrap classes and accessible error wiring."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if bound_field.errors else "")}
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}_errors")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)
