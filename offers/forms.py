from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Club
from core.dates import date_bounds_apply
from core.forms import MoneyField, model_bounds_apply
from core.money import currency_exponent, format_money
from core.text import validate_single_line
from members.images import prepare_image_for_form
from offers.models import Offer


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OfferForm(forms.ModelForm):
    """Leaders post offers; times are read in the club's time zone (the view activates it)."""

    image_upload = forms.FileField(label=_("Image"), required=False, help_text=_("JPEG, PNG or WebP."))
    # Typed in the club currency's units ("25.00"), stored as minor units: the service gets price_minor.
    price = MoneyField(
        label=_("Price"), help_text=_("For a discount, the regular price the discount applies to."), min_minor=1
    )
    amount_off = MoneyField(label=_("Amount off"), required=False, min_minor=1)
    field_order = [
        "title",
        "body",
        "kind",
        "price",
        "percent_off",
        "amount_off",
        "quantity_limit",
        "valid_from",
        "valid_until",
        "publish_at",
        "audience",
        "audience_plan",
        "audience_days",
        "audience_min_events",
        "image_upload",
    ]

    class Meta:
        model = Offer
        fields = [
            "title",
            "body",
            "kind",
            "percent_off",
            "quantity_limit",
            "valid_from",
            "valid_until",
            "publish_at",
            "audience",
            "audience_plan",
            "audience_days",
            "audience_min_events",
        ]
        widgets = {
            "valid_from": DateTimeInput(),
            "valid_until": DateTimeInput(),
            "publish_at": DateTimeInput(),
            "body": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_plan"].queryset = club.plans.order_by("order", "pk")
        self.fields["valid_from"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        self.fields["valid_until"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        self.fields["publish_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        currency = self.instance.currency if self.instance.pk else club.currency
        for name in ("price", "amount_off"):
            self.fields[name].currency_set(currency)
            example = format_money(25 * 10 ** currency_exponent(currency), currency)
            hint = _("In %(currency)s, e.g. %(example)s.") % {"currency": currency, "example": example}
            self.fields[name].help_text = f"{self.fields[name].help_text} {hint}".strip()
        if self.instance.pk:
            self.initial.setdefault("price", self.instance.price_minor)
            self.initial.setdefault("amount_off", self.instance.amount_off_minor)
        self.fields["percent_off"].validators.append(_percent_validator)
        self.fields["title"].validators.append(validate_single_line)  # the email's subject line
        model_bounds_apply(self, Offer)
        date_bounds_apply(self)  # 2000 to ten years ahead: dates near 9999 overflow on conversion to UTC
        self.fields["quantity_limit"].error_messages["min_value"] = _("At least 1 unit, or empty for no limit.")

    def clean_valid_until(self):
        """An end in the past makes an offer nobody can redeem; an unchanged past end may stay (editing a text)."""
        valid_until = self.cleaned_data.get("valid_until")
        changed = not self.instance.pk or "valid_until" in self.changed_data
        if valid_until is not None and changed and valid_until <= timezone.now():
            raise forms.ValidationError(_("The end is in the past: choose a later end, or leave it empty."))
        return valid_until

    def clean(self):
        cleaned = super().clean()
        percent_off, amount_off = cleaned.get("percent_off"), cleaned.get("amount_off")
        if percent_off is not None and amount_off is not None:
            self.add_error("amount_off", _("Give a percent or an amount off, not both."))
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("An offer must end after it starts."))
        price = cleaned.get("price")
        if price is not None and amount_off is not None and amount_off >= price:
            self.add_error("amount_off", _("The amount off must be less than the regular price."))
        # The service's names: integer minor units of the club's currency.
        cleaned["price_minor"] = price
        cleaned["amount_off_minor"] = amount_off
        return cleaned

    def clean_image_upload(self):
        image = self.cleaned_data.get("image_upload")
        if image:  # decoded once here; the service stores the re-encoded copy
            from offers.services.posting import OFFER_IMAGE_MAX_SIDE

            return prepare_image_for_form(image, sides=[OFFER_IMAGE_MAX_SIDE], max_bytes=settings.OFFER_IMAGE_MAX_BYTES)
        return image


def _percent_validator(value):
    if value is not None and not 1 <= value <= 100:
        raise forms.ValidationError(_("A percentage between 1 and 100."))
