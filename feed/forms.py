"""Validation only: writes go through feed.services."""

import zoneinfo

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clubs.models import Club
from core.formatting import format_number, native_digits
from core.text import validate_single_line
from events.models import EventOccurrence
from feed.models import (
    ACHIEVEMENT_TEXT_MAX_LENGTH,
    ANNOUNCEMENT_TEXT_MAX_LENGTH,
    ANNOUNCEMENT_TITLE_MAX_LENGTH,
    COMMENT_TEXT_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    AchievementTag,
)
from feed.selectors import events_attended_by
from members.images import prepare_image_for_form
from members.models import User

TAG_CHOICES = [("", _("No tag")), *AchievementTag.choices]


class EventChoiceField(forms.ModelChoiceField):
    club_zone = None

    def label_from_instance(self, obj: EventOccurrence) -> str:
        starts_at = timezone.localtime(obj.starts_at, timezone=self.club_zone) if self.club_zone else obj.starts_at
        return f"{obj.title} — {date_format(starts_at, 'SHORT_DATE_FORMAT')}"


class AchievementEditForm(forms.Form):
    text = forms.CharField(
        label=_("What did you achieve?"),
        max_length=ACHIEVEMENT_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tag = forms.ChoiceField(label=_("Tag"), choices=TAG_CHOICES, required=False)
    event = EventChoiceField(
        label=_("At an event"),
        queryset=EventOccurrence.objects.none(),
        required=False,
        empty_label=_("No event"),
        help_text=_("Optional. Events of this club you checked in at."),
    )

    def __init__(self, *args, club: Club, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per form, not at import, so the text follows the request's language.
        self.fields["text"].help_text = ngettext(
            "Up to %(limit)s character. Links become clickable.",
            "Up to %(limit)s characters. Links become clickable.",
            ACHIEVEMENT_TEXT_MAX_LENGTH,
        ) % {"limit": format_number(ACHIEVEMENT_TEXT_MAX_LENGTH)}
        self.fields["event"].queryset = events_attended_by(club=club, user=user)
        self.fields["event"].club_zone = zoneinfo.ZoneInfo(club.time_zone)


class AchievementForm(AchievementEditForm):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _("Optional. JPEG, PNG or WebP, up to %(limit)s.") % {
            "limit": native_digits(filesizeformat(settings.FEED_PHOTO_MAX_BYTES))
        }

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:  # decoded once here, at both sizes the service stores
            sides = [settings.FEED_PHOTO_MAX_SIDE, settings.FEED_PHOTO_FEED_SIDE]
            return prepare_image_for_form(photo, sides=sides, max_bytes=settings.FEED_PHOTO_MAX_BYTES)
        return photo


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        max_length=REPORT_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Only the club's leaders see your report."),
    )


def _image_field() -> forms.FileField:
    return forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class AnnouncementEditForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=ANNOUNCEMENT_TITLE_MAX_LENGTH, validators=[validate_single_line]
    )
    text = forms.CharField(
        label=_("Announcement"), max_length=ANNOUNCEMENT_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    image = _image_field()
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)
    comments_enabled = forms.BooleanField(label=_("Members may comment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per form, not at import, so the text follows the request's language.
        self.fields["text"].help_text = ngettext(
            "Up to %(limit)s character. Web addresses (http or https) become links.",
            "Up to %(limit)s characters. Web addresses (http or https) become links.",
            ANNOUNCEMENT_TEXT_MAX_LENGTH,
        ) % {"limit": format_number(ANNOUNCEMENT_TEXT_MAX_LENGTH)}
        self.fields["image"].help_text = _("Optional. JPEG, PNG or WebP, up to %(limit)s.") % {
            "limit": native_digits(filesizeformat(settings.FEED_PHOTO_MAX_BYTES))
        }

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image:  # decoded once here, at both sizes the service stores
            sides = [settings.FEED_PHOTO_MAX_SIDE, settings.FEED_PHOTO_FEED_SIDE]
            return prepare_image_for_form(image, sides=sides, max_bytes=settings.FEED_PHOTO_MAX_BYTES)
        return image


class AnnouncementForm(AnnouncementEditForm):
    pinned = forms.BooleanField(label=_("Pin on club home"), required=False, initial=True)
    send_email = forms.BooleanField(label=_("Email it to the members who want club news"), required=False)

    def __init__(self, *args, emails_left: int, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["remove_image"]
        self.fields["send_email"].help_text = ngettext(
            "The club may email %(count)s more announcement now (at most %(limit)s in any 7 days).",
            "The club may email %(count)s more announcements now (at most %(limit)s in any 7 days).",
            emails_left,
        ) % {"count": format_number(emails_left), "limit": format_number(settings.ANNOUNCEMENT_EMAILS_PER_WEEK)}
