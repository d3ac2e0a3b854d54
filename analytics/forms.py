"""Validation only: the period of a dashboard, NPS settings, and a member's answer."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.models import ClubNpsSettings
from analytics.selectors.period import DEFAULT_PRESET, Period, period_for_preset
from core.dates import date_bounds_apply, report_date_max
from core.forms import model_bounds_apply

MAX_PERIOD = timedelta(days=3 * 366)


class PeriodForm(forms.Form):
    PRESETS = [
        ("30d", _("Last 30 days")),
        ("quarter", _("Last quarter (91 days)")),
        ("year", _("Last year (365 days)")),
    ]

    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # From 2000 to a year ahead: 9999-12-31 overflowed into a 500 (the day after it does not exist).
        date_bounds_apply(self, high=report_date_max())

    def clean(self):
        cleaned = super().clean()
        if self.has_error("start") or self.has_error("end"):
            return cleaned  # the field's own message says what is wrong
        start, end = cleaned.get("start"), cleaned.get("end")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both dates, or choose a preset."))
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            if end - start > MAX_PERIOD:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return cleaned

    def period(self, *, time_zone: str) -> Period:
        """The chosen period; the default preset when the form is empty or invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("start") and data.get("end"):
            return Period(first_day=data["start"], last_day=data["end"], time_zone=time_zone)
        return period_for_preset(data.get("preset") or DEFAULT_PRESET, time_zone=time_zone)


class NpsSettingsForm(forms.ModelForm):
    class Meta:
        model = ClubNpsSettings
        fields = ["is_enabled", "first_after_days", "repeat_every_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_bounds_apply(self, ClubNpsSettings)  # the range shown next to each field and checked by the form


class NpsAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend the club to a friend?"),
        choices=[(score, str(score)) for score in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
