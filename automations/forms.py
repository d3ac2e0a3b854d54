from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from automations.models import CancellationReason, ClubAutomationSettings
from automations.services.club_settings import SETTING_FIELDS
from automations.wording import placeholders_check, placeholders_for
from core.forms import model_bounds_apply


class AutomationSettingsForm(forms.ModelForm):
    class Meta:
        model = ClubAutomationSettings
        fields = SETTING_FIELDS

    def __init__(self, *args, club, **kwargs):
        super().__init__(*args, **kwargs)
        from offers.models import Offer

        now = timezone.now()
        self.fields["birthday_gift_offer"].queryset = Offer.objects.filter(club=club).exclude(valid_until__lte=now)
        self.fields["birthday_gift_offer"].required = False
        # The model's bounds (days, percents, the credit) checked here: the service's full_clean would be a 500.
        model_bounds_apply(self, ClubAutomationSettings)

    def clean(self):
        cleaned = super().clean()
        stages = [cleaned.get(f"win_back_stage{n}_days") for n in (1, 2, 3)]
        if all(stages) and not stages[0] < stages[1] < stages[2]:
            raise forms.ValidationError(_("Each win-back offer must come later than the one before."))
        return cleaned

    def _post_clean(self):
        # The service validates and saves the row; the form only checks the input.
        pass


class CancellationForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("Why are you leaving?"),
        choices=CancellationReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one reason.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell the club? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AutomationWordingForm(forms.Form):
    """A club's own subject and opening for one kind in one language; blank means the catalogs' text."""

    language = forms.ChoiceField(choices=settings.LANGUAGES, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    opening = forms.CharField(
        label=_("Opening paragraph"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kind: str, default_subject: str = "", default_opening: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # The defaults are in the language being worded, which may differ from the page's (lang says so).
        language = (self.data.get("language") if self.is_bound else self.initial.get("language")) or ""
        for name, default in (("subject", default_subject), ("opening", default_opening)):
            self.fields[name].widget.attrs.update(placeholder=default, lang=language)
        # Placeholders are no words of any language (lang="zxx").
        known = format_html_join(", ", '<code lang="zxx">{{{}}}</code>', ((name,) for name in placeholders_for(kind)))
        self.fields["opening"].help_text = format_html(
            "{} {}", _("Leave empty for the standard text. Placeholders:"), known
        )

    def _checked(self, name: str) -> str:
        text = " ".join(self.cleaned_data[name].split()) if name == "subject" else self.cleaned_data[name].strip()
        try:
            return placeholders_check(text, kind=self.kind)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_subject(self):
        return self._checked("subject")

    def clean_opening(self):
        return self._checked("opening")
