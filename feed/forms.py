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
from events.models import EventOccurrence
from feed.models import (
    ACHIEVEMENT_TEXT_MAX_LENGTH,
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
