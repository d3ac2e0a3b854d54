from django import forms
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Plan
from imports import formats
from imports.models import ImportFormat


class PlanChoiceField(forms.ModelChoiceField):
    """The club's own plans: each by its name in the reader's language (``str(plan)`` would repeat the club)."""

    def label_from_instance(self, obj: Plan) -> str:
        return obj.local_name


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Saved as CSV by any spreadsheet program, with commas or semicolons between the columns."),
    )
    source_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Recognise from the columns")), *ImportFormat.choices],
        required=False,
    )
    complimentary_until = forms.DateField(
        label=_("Complimentary until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Members without a Stripe subscription or an end date of their own get access until this day."),
    )
    # Empty means what the import does with such a row: no plan of the club's choosing (imports/services.py),
    # so the empty choice says so rather than showing Django's "---------".
    default_plan = PlanChoiceField(
        label=_("Plan for rows without one"),
        queryset=Plan.objects.none(),
        required=False,
        empty_label=_("No plan"),
        help_text=_("Left at “No plan”, a row linked to a Stripe subscription takes that subscription's plan."),
    )
    send_invitations = forms.BooleanField(
        label=_("Email each new member an invitation when I confirm"), required=False, initial=True
    )

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_plan"].queryset = Plan.objects.filter(club=club).select_related("club")


class FileColumnSelect(forms.Select):
    """The file's own column names are data in no language (``lang="zxx"``), not text for a translator."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["lang"] = "zxx"
        return option


class ImportMappingForm(forms.Form):
    """Which column of the file holds each field; the format decides the defaults."""

    source_format = forms.ChoiceField(label=_("Format"), choices=ImportFormat.choices)

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)")), *((header, header) for header in headers)]
        for name in formats.FIELDS:
            self.fields[f"col_{name}"] = forms.ChoiceField(
                label=formats.FIELD_LABELS[name], choices=choices, required=name == "email", widget=FileColumnSelect
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"col_{name}") or "" for name in formats.FIELDS}

    @classmethod
    def initial_for(cls, *, source_format: str, mapping: dict[str, str]) -> dict:
        return {"source_format": source_format, **{f"col_{name}": mapping.get(name, "") for name in formats.FIELDS}}
