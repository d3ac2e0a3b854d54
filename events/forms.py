"""Forms validate only; the services decide and write."""

import zoneinfo
from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.dates import date_bounds_apply
from core.text import validate_single_line
from events.models import MAX_CAPACITY, MAX_GUESTS, MAX_RSVP_HOURS_BEFORE, EventOccurrence, Frequency
from events.recurrence import (
    MAX_OCCURRENCES,
    is_last_weekday_of_month,
    series_count_fits,
    weekday_ordinal,
)
from events.services.schedule import (
    COVER_MAX_SIDE,
    EventDetailsInput,
    EventTimingInput,
    OverCapacity,
    RecurrenceInput,
    series_too_long_message,
)
from members.images import prepare_image_for_form

COVER_MAX_BYTES = getattr(settings, "EVENT_COVER_MAX_BYTES", 5 * 1024 * 1024)


class EventForm(forms.Form):
    """One occurrence: what it is, where, and when (in the club's time zone)."""

    title = forms.CharField(label=_("Title"), max_length=140, validators=[validate_single_line])
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    start_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label=_("Ends at"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An end before the start means the next day."),
    )
    online_url = forms.URLField(
        label=_("Online link"), max_length=500, required=False, assume_scheme="https", help_text=_("Members only.")
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False, help_text=_("Members only."))
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=MAX_CAPACITY, required=False, help_text=_("Empty: no limit.")
    )
    rsvp_hours_before = forms.IntegerField(
        label=_("Answers close (hours before the start)"), min_value=0, max_value=MAX_RSVP_HOURS_BEFORE, initial=0
    )
    guests_allowed = forms.IntegerField(
        label=_("Guests per member"),
        min_value=0,
        max_value=MAX_GUESTS,
        required=False,
        help_text=_("Each guest takes a seat. Empty: members only."),
    )
    cover = forms.ImageField(
        label=_("Cover image"),
        required=False,
        help_text=_("JPEG, PNG or WebP; shared by every date of the series."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    over_capacity = forms.ChoiceField(
        label=_("More seats are taken than the new capacity"),
        choices=[
            ("", _("Choose what to do")),
            (OverCapacity.KEEP, _("Keep everyone who is going")),
            (OverCapacity.WAITLIST, _("Move those who answered last to the waitlist (they are told by email)")),
        ],
        required=False,
    )

    def __init__(self, *args, ask_over_capacity: bool = False, has_cover: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        date_bounds_apply(self)  # 2000 to ten years ahead: near 9999 or 0001 the times overflow Python's calendar
        if not has_cover:
            del self.fields["remove_cover"]
        if ask_over_capacity:
            self.fields["over_capacity"].required = True
        else:
            # Asked only once the service found the seats taken above the new capacity.
            self.fields["over_capacity"].widget = forms.HiddenInput()

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        if cover:  # decoded once here (members/images.py); the service stores the re-encoded copy
            return prepare_image_for_form(cover, sides=[COVER_MAX_SIDE], max_bytes=COVER_MAX_BYTES)
        return cover

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("online_url") and not cleaned.get("place", "").strip():
            self.add_error(None, _("Say where the event takes place: an online link, a place, or both."))
        if cleaned.get("start_time") is not None and cleaned.get("start_time") == cleaned.get("end_time"):
            self.add_error("end_time", _("The event must end after it starts."))
        return cleaned

    def details(self) -> EventDetailsInput:
        data = self.cleaned_data
        return EventDetailsInput(
            title=data["title"].strip(),
            description=data["description"].strip(),
            online_url=data["online_url"],
            place=data["place"].strip(),
            capacity=data["capacity"],
            rsvp_hours_before=data["rsvp_hours_before"] or 0,
            guests_allowed=data.get("guests_allowed") or 0,
        )

    def over_capacity_choice(self) -> str | None:
        return self.cleaned_data.get("over_capacity") or None

    def cover_removed(self) -> bool:
        return bool(self.cleaned_data.get("remove_cover"))

    def timing(self) -> EventTimingInput:
        data = self.cleaned_data
        return EventTimingInput(start_date=data["start_date"], start_time=data["start_time"], end_time=data["end_time"])

    @classmethod
    def initial_for(cls, occurrence: EventOccurrence, *, time_zone: str) -> dict:
        """The occurrence's values, with times shown in the club's time zone as leaders entered them."""
        zone = zoneinfo.ZoneInfo(time_zone)
        starts, ends = occurrence.starts_at.astimezone(zone), occurrence.ends_at.astimezone(zone)
        return {
            "title": occurrence.title,
            "description": occurrence.description,
            "start_date": starts.date(),
            "start_time": starts.time().replace(tzinfo=None),
            "end_time": ends.time().replace(tzinfo=None),
            "online_url": occurrence.online_url,
            "place": occurrence.place,
            "capacity": occurrence.capacity,
            "rsvp_hours_before": occurrence.rsvp_hours_before,
            "guests_allowed": occurrence.guests_allowed,
        }


class SeriesForm(EventForm):
    """An event and how it repeats."""

    frequency = forms.ChoiceField(label=_("Repeats"), choices=Frequency.choices, initial=Frequency.ONCE)
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(
        label=_("Or a number of times"),
        min_value=1,
        max_value=MAX_OCCURRENCES,
        required=False,
        help_text=_("A series can span at most 12 months."),
    )

    field_order = ["title", "description", "start_date", "start_time", "end_time", "frequency", "until", "count"]

    def clean(self):
        cleaned = super().clean()
        frequency = cleaned.get("frequency")
        repeating = frequency not in (None, Frequency.ONCE)
        if repeating and not cleaned.get("until") and not cleaned.get("count"):
            self.add_error("until", _("A repeating event needs an end: a date or a number of times."))
        start, until, count = cleaned.get("start_date"), cleaned.get("until"), cleaned.get("count")
        if repeating and start and until and until < start:
            self.add_error("until", _("The series cannot end before its first date."))
        if start and frequency == Frequency.MONTHLY_WEEKDAY and weekday_ordinal(start) > 4:
            self.add_error(
                "frequency",
                _("The first date is a fifth weekday, which most months lack. Choose the last one instead."),
            )
        if start and frequency == Frequency.MONTHLY_LAST_WEEKDAY and not is_last_weekday_of_month(start):
            self.add_error(
                "frequency", _("For “the last weekday of the month”, the first date must be the last such day.")
            )
        if repeating and start and count and not self.has_error("frequency"):
            available = series_count_fits(start_date=start, frequency=frequency, until=until, count=count)
            if available is not None:
                self.add_error("count", series_too_long_message(count=count, available=available, start_date=start))
        return cleaned

    def recurrence(self) -> RecurrenceInput:
        data = self.cleaned_data
        return RecurrenceInput(frequency=data["frequency"], until=data["until"], count=data["count"])

    @classmethod
    def initial_for_series(cls, series) -> dict:
        end = (datetime.combine(series.start_date, series.start_time) + series.duration).time()
        initial = {field: getattr(series, field) for field in ("title", "description", "online_url", "place")}
        initial.update(
            capacity=series.capacity,
            rsvp_hours_before=series.rsvp_hours_before,
            guests_allowed=series.guests_allowed,
            start_date=series.start_date,
            start_time=series.start_time,
            end_time=end,
            frequency=series.frequency,
            until=series.until,
            count=series.count,
        )
        return initial


class RsvpForm(forms.Form):
    going = forms.TypedChoiceField(choices=[("yes", _("Going")), ("no", _("Not going"))], coerce=lambda v: v == "yes")
    # The event's own cap is the service's rule (rsvp_set); this bounds what the form accepts at all.
    guests = forms.IntegerField(min_value=0, max_value=MAX_GUESTS, required=False)


class CheckInForm(forms.Form):
    member = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("in", _("Check in")), ("undo", _("Undo"))], initial="in", required=False)
