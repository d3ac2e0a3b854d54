from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.images import validate_image_upload
from members.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "avatar",
            "time_zone",
            "preferred_language",
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
            "birthday": _("Optional. Clubs may send you a greeting."),
        }

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "content_type"):  # a new upload, not the stored file
            validate_image_upload(avatar, max_bytes=settings.AVATAR_MAX_BYTES)
        return avatar

    def clean_birthday(self):
        birthday = self.cleaned_data.get("birthday")
        if birthday is not None:
            today = timezone.localdate()
            if birthday > today:
                raise forms.ValidationError(_("A birthday cannot be in the future."))
            if birthday.year < 1900:
                raise forms.ValidationError(_("Please enter a birthday after 1900."))
        return birthday
