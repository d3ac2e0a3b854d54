"""What every app's forms share: number bounds taken from the model, shown next to the field, enforced by the form.

A ModelForm whose model field carries MinValueValidator/MaxValueValidator gets those validators only through
the model's full_clean(). A form that skips it (validation in the service) would let an out-of-range number
through to a ValidationError in the service, a 500. ``model_bounds_apply`` copies the bounds onto the form
field: min/max attributes on the input (the browser's own check), a help text saying the range, and the
form field's own validators (a clear message on the server).
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import format_number
from core.money import STRIPE_MAX_AMOUNT_MINOR, currency_exponent, format_money, to_major, to_minor


def model_bounds(model_field) -> tuple[int | None, int | None]:
    low = high = None
    for validator in getattr(model_field, "validators", []):
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def field_bounds_set(field: forms.Field, *, low: int | None, high: int | None) -> None:
    """Give a number field its range: enforced by the form and stated next to the field (in the request's
    language and digits, so call it from the form's __init__)."""
    if low is not None:
        field.min_value = low
        field.validators.append(MinValueValidator(low))
        field.widget.attrs["min"] = low
    if high is not None:
        field.max_value = high
        field.validators.append(MaxValueValidator(high))
        field.widget.attrs["max"] = high
    if low is not None and high is not None:
        bounds = _("Between %(low)s and %(high)s.") % {"low": format_number(low), "high": format_number(high)}
        field.help_text = f"{field.help_text} {bounds}".strip() if field.help_text else bounds


def model_bounds_apply(form: forms.BaseForm, model) -> None:
    """Copy each number field's bounds from ``model``'s field of the same name onto the form."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            continue
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field: its bounds are declared on the form
            continue
        low, high = model_bounds(model_field)
        field_bounds_set(field, low=low, high=high)


class MoneyField(forms.DecimalField):
    """An amount typed in the currency's units ("25.00"; whole yen for JPY), cleaned to integer minor units.

    Prices were typed in cents, so "25" meant $0.25 and nothing stopped $999,999,999,999.99: the field takes the
    currency's decimals only, from ``min_minor`` to Stripe's ceiling, each refusal with a message in money.
    Call ``currency_set`` from the form's __init__ (the decimals and the bounds follow the currency).
    """

    def __init__(self, *, currency: str = "USD", min_minor: int = 0, max_minor: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.min_minor = min_minor
        self.max_minor = STRIPE_MAX_AMOUNT_MINOR if max_minor is None else max_minor
        self.currency_set(currency)

    def currency_set(self, currency: str) -> None:
        self.currency = currency
        exponent = currency_exponent(currency)
        self.decimal_places = exponent
        self.widget.attrs.update(
            step=str(to_major(1, currency)) if exponent else "1",
            min=str(to_major(self.min_minor, currency)),
            max=str(to_major(self.max_minor, currency)),
            inputmode="decimal" if exponent else "numeric",
        )

    def prepare_value(self, value):
        """The form shows the stored minor units in the currency's units (an edit form's initial value)."""
        return to_major(value, self.currency) if isinstance(value, int) else value

    def widget_attrs(self, widget):
        return {}

    def has_changed(self, initial, data):
        """Initial values are minor units (500) and typed ones units ("5.00"): compare them as minor units, or
        every save of an unchanged form would count as a price change (and leave an audit row)."""
        if self.disabled:
            return False
        try:
            value = self.clean(data)
        except forms.ValidationError:
            return True
        return value != (initial if initial not in ("", None) else None)

    def clean(self, value):
        amount = self.to_python(value)
        if amount is None:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        if not amount.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        low, high = to_major(self.min_minor, self.currency), to_major(self.max_minor, self.currency)
        if not low <= amount <= high:
            raise forms.ValidationError(
                _("Enter an amount between %(low)s and %(high)s.")
                % {
                    "low": format_money(self.min_minor, self.currency),
                    "high": format_money(self.max_minor, self.currency),
                },
                code="money_range",
            )
        try:
            minor = to_minor(amount, self.currency)
        except ValueError:
            raise forms.ValidationError(
                ngettext(
                    "Use at most %(count)s decimal place for %(currency)s.",
                    "Use at most %(count)s decimal places for %(currency)s.",
                    self.decimal_places,
                )
                % {"count": format_number(self.decimal_places), "currency": self.currency},
                code="decimal_places",
            ) from None
        return minor
