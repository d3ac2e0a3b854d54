from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.images import prepare_image_for_form
from members.models import User
from members.time_zones import picker_choices, picker_zone_names


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "avatar",
            "time_zone",
            "preferred_language",
            "calendar",
            "birthday",
            "email_event_reminders",
            "email_offers",
            "email_club_news",
            "email_activity_digest",
        ]
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "display_name": _("Shown to other members of your clubs."),
            "avatar": _("JPEG, PNG or WebP, up to 2 MB."),
            "time_zone": _("Event times are shown in this time zone."),
            "preferred_language": _("Leave empty to follow your browser."),
            "calendar": _("Persian pages use the Solar Hijri calendar unless you choose Gregorian."),
            "birthday": _("Optional. Clubs may send you a greeting."),
        }

    def clean_avatar(self):
        """A new upload is decoded once here and replaced by its re-encoded copy (a generated name)."""
        from members.services import AVATAR_MAX_SIDE

        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "content_type"):  # a new upload, not the stored file
            prepared = prepare_image_for_form(avatar, sides=[AVATAR_MAX_SIDE], max_bytes=settings.AVATAR_MAX_BYTES)
            return prepared.files[AVATAR_MAX_SIDE]
        return avatar

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "time_zone" in self.fields:  # grouped by region, without "Factory" or "GMT+0" (members/time_zones.py)
            self.fields["time_zone"].choices = picker_choices(self.instance.time_zone if self.instance else "")
            self.fields["time_zone"].widget.attrs.update(
                # The zones' names are the IANA database's English names (Europe/Berlin): say so, so that
                # readers and screen readers of other languages know, and the page's language is not claimed.
                {"data-time-zone-picker": "", "data-filter-label": _("Filter time zones, e.g. Berlin"), "lang": "en"}
            )
        if "birthday" in self.fields:  # the range clean_birthday enforces, on the date picker too
            self.fields["birthday"].widget.attrs.update(min="1900-01-01", max=timezone.localdate().isoformat())

    def clean_birthday(self):
        birthday = self.cleaned_data.get("birthday")
        if birthday is not None:
            today = timezone.localdate()
            if birthday > today:
                raise forms.ValidationError(_("A birthday cannot be in the future."))
            if birthday.year < 1900:
                raise forms.ValidationError(_("Please enter a birthday after 1900."))
        return birthday


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the browser's time zone, filled in by static/js/time-zone.js (a hidden field).

    A missing or unknown value is no error: the account takes the zone of the club the person is joining, else
    the site's (``AccountAdapter.save_user``, ``members.time_zones.signup_time_zone``); the profile changes it.
    """

    time_zone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )

    def clean_time_zone(self) -> str:
        value = (self.cleaned_data.get("time_zone") or "").strip()
        return value if value in picker_zone_names() else ""
