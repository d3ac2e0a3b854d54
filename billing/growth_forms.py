"""Forms for pausing and for gift memberships: validation and bounds only (the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.services.gifts import MESSAGE_MAX_LENGTH, GiftPrice
from core.formatting import format_number
from core.money import format_money


class PauseForm(forms.Form):
    """The lengths the club offers this member (``months``), nothing else."""

    months = forms.TypedChoiceField(label=_("Pause for"), coerce=int, choices=())

    def __init__(self, *args, months: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [
            (count, ngettext("%(count)s month", "%(count)s months", count) % {"count": format_number(count)})
            for count in months
        ]


class GiftForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Gift"), coerce=int, choices=(), widget=forms.RadioSelect)
    recipient_email = forms.EmailField(
        label=_("Recipient's email"), max_length=254, help_text=_("We email them the gift and how to redeem it.")
    )
    buyer_email = forms.EmailField(label=_("Your email"), max_length=254, help_text=_("For the receipt."))
    message = forms.CharField(
        label=_("Message to the recipient"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, prices: list[GiftPrice], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [
            (
                price.months,
                ngettext("%(count)s month: %(price)s", "%(count)s months: %(price)s", price.months)
                % {"count": format_number(price.months), "price": format_money(price.amount_minor, price.currency)},
            )
            for price in prices
        ]


class GiftRefundForm(forms.Form):
    """Admin: why the gift is refunded (the audit log keeps it)."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")
    note = forms.CharField(label=_("Note for the audit log"), max_length=200)
