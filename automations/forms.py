from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from automations.models import CancellationReason, ClubAutomationSettings
from automations.services.club_settings import SETTING_FIELDS


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
