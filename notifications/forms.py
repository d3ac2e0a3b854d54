"""The email choice per kind: one radio group per registered kind."""

from django import forms

from notifications.kinds import KINDS, EmailChoice


class PreferencesForm(forms.Form):
    def __init__(self, *args, choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for name, kind in KINDS.items():
            self.fields[name] = forms.ChoiceField(
                label=kind.label,
                choices=EmailChoice.choices(),
                initial=choices.get(name, kind.default_email),
                widget=forms.RadioSelect,
            )
