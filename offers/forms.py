from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clubs.models import Club
from members.images import validate_image_upload
from offers.models import Offer


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OfferForm(forms.ModelForm):
    """Leaders post offers; times are read in the club's time zone (the view activates it)."""

    image_upload = forms.FileField(label=_("Image"), required=False, help_text=_("JPEG, PNG or WebP."))

    class Meta:
        model = Offer
        fields = [
            "title",
            "body",
            "kind",
            "price_minor",
            "percent_off",
            "amount_off_minor",
            "quantity_limit",
            "valid_from",
            "valid_until",
            "audience",
            "audience_plan",
            "audience_days",
            "audience_min_events",
        ]
        widgets = {
            "valid_from": DateTimeInput(),
            "valid_until": DateTimeInput(),
            "body": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_plan"].queryset = club.plans.order_by("order", "pk")
        self.fields["valid_from"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        self.fields["valid_until"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        self.fields["percent_off"].validators.append(_percent_validator)

    def clean_image_upload(self):
        image = self.cleaned_data.get("image_upload")
        if image:
            validate_image_upload(image, max_bytes=settings.OFFER_IMAGE_MAX_BYTES)
        return image


def _percent_validator(value):
    if value is not None and not 1 <= value <= 100:
        raise forms.ValidationError(_("A percentage between 1 and 100."))
