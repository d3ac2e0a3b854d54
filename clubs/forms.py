from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from clubs import texts
from clubs.models import Club, Plan, translation_limits
from core.formatting import format_number
from core.text import validate_single_line
from members.images import prepare_image_for_form


def translation_field_name(field: str, language: str, prefix: str = "") -> str:
    return f"{prefix}{field}_{language}"


def translation_formfield(model, field: str, language: str) -> forms.CharField:
    """A text in another language, bounded like the row's own field (clubs/texts.py)."""
    limit = translation_limits(model, [field])[field]
    single = field in ("name", "tagline")
    language_name = dict(settings.LANGUAGES)[language]
    return forms.CharField(
        label=lazy_label(model._meta.get_field(field).verbose_name, language_name),
        required=False,
        max_length=limit,
        strip=True,
        validators=[validate_single_line] if single else [],
        widget=forms.TextInput(attrs={"lang": language, "dir": "auto"})
        if single
        else forms.Textarea(attrs={"rows": 3, "lang": language, "dir": "auto"}),
    )


def _label(field_label, language_name):
    """ "Name in Arabic", in the language active when the page renders (forms are built once per request)."""
    return _("%(field)s in %(language)s") % {"field": str(field_label).capitalize(), "language": language_name}


lazy_label = lazy(_label, str)


def translations_from_form(cleaned_data: dict, *, fields, languages, prefix: str = "") -> dict:
    """The ``translations`` value the form's per-language fields describe (blanks left out later)."""
    return {
        language: {field: cleaned_data.get(translation_field_name(field, language, prefix)) or "" for field in fields}
        for language in languages
    }


class TranslationsAdminMixin:
    """Staff give the row's texts in every site language in admin; the club's own language stays in the main field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        given = self.instance.translations if isinstance(self.instance.translations, dict) else {}
        for language in texts.site_languages():
            for field in self._meta.model.TRANSLATED_FIELDS:
                name = translation_field_name(field, language)
                if name in self.fields and not self.is_bound:
                    self.initial[name] = (given.get(language) or {}).get(field, "")

    def clean(self):
        cleaned = super().clean()
        model = self._meta.model
        wanted = translations_from_form(cleaned, fields=model.TRANSLATED_FIELDS, languages=texts.site_languages())
        own = cleaned.get("default_language") if model is Club else None
        if own is None and model is Plan:
            club = cleaned.get("club") or (self.instance.club if self.instance.club_id else None)
            own = club.default_language if club else ""
        for field in model.TRANSLATED_FIELDS:
            if own and (wanted.get(own) or {}).get(field):
                self.add_error(
                    translation_field_name(field, own),
                    _("This is the club's own language: write this text in the main field."),
                )
        try:
            self.instance.translations = texts.translations_clean(
                wanted, **{**self.instance.translation_rules(), "own_language": own or ""}
            )
        except ValidationError:
            if not self.errors:  # each field's own check already said what is wrong
                raise
        return cleaned


def _admin_translation_fields(model) -> dict:
    return {
        translation_field_name(field, language): translation_formfield(model, field, language)
        for field in model.TRANSLATED_FIELDS
        for language in texts.site_languages()
    }


CLUB_TRANSLATION_FIELD_NAMES = [
    translation_field_name(field, language) for field in Club.TRANSLATED_FIELDS for language in texts.site_languages()
]
PLAN_TRANSLATION_FIELD_NAMES = [
    translation_field_name(field, language) for field in Plan.TRANSLATED_FIELDS for language in texts.site_languages()
]


class ClubAdminForm(TranslationsAdminMixin, forms.ModelForm):
    """Staff edit clubs in admin; a cover image is checked like any other upload."""

    locals().update(_admin_translation_fields(Club))

    class Meta:
        model = Club
        fields = ["cover_image"]  # admin supplies the full field list; this form only adds checks

    def clean_cover_image(self):
        cover = self.cleaned_data.get("cover_image")
        if cover and hasattr(cover, "content_type"):  # decoded once, stored re-encoded under a generated name
            side = settings.CLUB_COVER_MAX_SIDE
            return prepare_image_for_form(cover, sides=[side], max_bytes=settings.CLUB_COVER_MAX_BYTES).files[side]
        return cover


class PlanAdminForm(TranslationsAdminMixin, forms.ModelForm):
    """Staff give a plan's name in the other site languages (also in the club's inline of plans)."""

    locals().update(_admin_translation_fields(Plan))

    class Meta:
        model = Plan
        # PlanAdmin lists no fields of its own: every field but ``translations``, which the fields above fill.
        fields = [
            "club", "name", "interval", "interval_count", "price_minor", "currency", "trial_days", "is_active",
            "is_most_popular", "order",
        ]  # fmt: skip


class ClubTextsForm(forms.Form):
    """A leader gives the club's texts and its plans' names in each site language other than the club's own.

    Each field is bounded like the row's own (clubs/texts.py); an empty field means "use the club's own text".
    """

    def __init__(self, *args, club: Club, plans: list[Plan], **kwargs):
        super().__init__(*args, **kwargs)
        self.club, self.plans = club, plans
        self.languages = [code for code in texts.site_languages() if code != club.default_language]
        for language in self.languages:
            for field in Club.TRANSLATED_FIELDS:
                name = translation_field_name(field, language)
                self.fields[name] = translation_formfield(Club, field, language)
                self.initial[name] = ((club.translations or {}).get(language) or {}).get(field, "")
            for plan in plans:
                name = translation_field_name("name", language, prefix=f"plan{plan.pk}_")
                self.fields[name] = translation_formfield(Plan, "name", language)
                self.fields[name].label = lazy_label(plan.name, dict(settings.LANGUAGES)[language])
                self.initial[name] = ((plan.translations or {}).get(language) or {}).get("name", "")

    def groups(self) -> list[dict]:
        """The fields per language, for the page: the club's texts, then each plan's name."""
        names = dict(settings.LANGUAGES)
        return [
            {
                "language": language,
                "name": names[language],
                "club_fields": [self[translation_field_name(field, language)] for field in Club.TRANSLATED_FIELDS],
                "plan_fields": [
                    self[translation_field_name("name", language, prefix=f"plan{plan.pk}_")] for plan in self.plans
                ],
            }
            for language in self.languages
        ]

    def club_translations(self) -> dict:
        return translations_from_form(self.cleaned_data, fields=Club.TRANSLATED_FIELDS, languages=self.languages)

    def plan_translations(self) -> dict[int, dict]:
        return {
            plan.pk: translations_from_form(
                self.cleaned_data, fields=Plan.TRANSLATED_FIELDS, languages=self.languages, prefix=f"plan{plan.pk}_"
            )
            for plan in self.plans
        }


class ClubEmailSettingsForm(forms.ModelForm):
    """What leaders set for their club's emails; the bounds and formats are the model's validators."""

    # An address typed without a scheme is read as https (the only scheme the model accepts).
    email_logo_url = Club._meta.get_field("email_logo_url").formfield(assume_scheme="https")

    class Meta:
        model = Club
        fields = ["email_logo_url", "brand_colour", "postal_address", "reply_to_email", "offer_double_opt_in"]
        widgets = {
            "brand_colour": forms.TextInput(attrs={"placeholder": "#1a7f37", "pattern": "#[0-9a-fA-F]{6}"}),
            "postal_address": forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Numbers in the language's own digits; the colour by example, not as a pattern of Latin letters.
        self.fields["email_logo_url"].help_text = _(
            "The secure web address of your logo, PNG or JPEG, about %(height)s pixels high."
        ) % {"height": format_number(96)}
        self.fields["brand_colour"].help_text = _("Used for links and the top bar of emails, for example #1a7f37.")

    def clean_postal_address(self):
        # Each line as typed, without trailing blanks; the footer prints it as it stands.
        return "\n".join(line.rstrip() for line in self.cleaned_data["postal_address"].strip().splitlines())
