from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from clubs.models import Club
from core.formatting import format_number
from members.images import prepare_image_for_form


class ClubAdminForm(forms.ModelForm):
    """Staff edit clubs in admin; a cover image is checked like any other upload."""

    class Meta:
        model = Club
        fields = ["cover_image"]  # admin supplies the full field list; this form only adds checks

    def clean_cover_image(self):
        cover = self.cleaned_data.get("cover_image")
        if cover and hasattr(cover, "content_type"):  # decoded once, stored re-encoded under a generated name
            side = settings.CLUB_COVER_MAX_SIDE
            return prepare_image_for_form(cover, sides=[side], max_bytes=settings.CLUB_COVER_MAX_BYTES).files[side]
        return cover


class ClubEmailSettingsForm(forms.ModelForm):
    """What leaders set for their club's emails; the bounds and formats are the model's validators."""

    # An address typed without a scheme is read as https (the only scheme the model accepts).
    email_logo_url = Club._meta.get_field("email_logo_url").formfield(assume_scheme="https")

    class Meta:
        model = Club
        fields = ["email_logo_url", "brand_colour", "postal_address", "reply_to_email", "offer_double_opt_in"]
        widgets = {
            "brand_colour": forms.TextInput(attrs={"placeholder": "#1a7f37", "pattern": "#[0-9a-fA-F]{6}"}),
            "postal_address": forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Numbers in the language's own digits; the colour by example, not as a pattern of Latin letters.
        self.fields["email_logo_url"].help_text = _(
            "The secure web address of your logo, PNG or JPEG, about %(height)s pixels high."
        ) % {"height": format_number(96)}
        self.fields["brand_colour"].help_text = _("Used for links and the top bar of emails, for example #1a7f37.")

    def clean_postal_address(self):
        # Each line as typed, without trailing blanks; the footer prints it as it stands.
        return "\n".join(line.rstrip() for line in self.cleaned_data["postal_address"].strip().splitlines())
