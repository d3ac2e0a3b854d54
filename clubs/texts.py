"""A club's and a plan's texts in the other site languages, with the club's own text as the fallback.

A leader writes the club's name, tagline and description (and each plan's name) in the club's
``default_language``: that is the text on the row. The same texts in the other languages of
``settings.LANGUAGES`` live on the same row, in ``translations`` (``{"ar": {"name": "..."}}``), so a list
page reads them with the row itself and never runs a query per card.

``text(obj, field)`` is the one accessor (``club.local_name`` and friends in templates call it): the text in
the active language (an email renders inside ``translation.override``, so it is the recipient's), else the
row's own text. Admin lists, audit rows, Stripe's shared product and CSV exports keep the row's own text.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from core.formatting import format_number
from core.text import has_line_break

# A description has no limit on the row; a translation gets a generous one, so the JSON stays a sane size.
DESCRIPTION_MAX_LENGTH = 5000


def site_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def text_language(language: str | None = None) -> str:
    """The site language a code names ('de-at' and 'de_AT' are 'de'); '' for none of them."""
    code = (language if language is not None else translation.get_language() or "").strip().lower()
    code = code.replace("_", "-")
    known = site_languages()
    if code in known:
        return code
    base = code.split("-", 1)[0]
    return base if base in known else ""


def text(obj, field: str, language: str | None = None, own_language: str | None = None) -> str:
    """``obj``'s ``field`` in ``language`` (default: the active one), else the row's own text.

    Blank translations, a language the site does not offer and the row's own language all give the row's text.
    """
    own = getattr(obj, field) or ""
    code = text_language(language)
    if not code or code == own_language:
        return own
    given = (obj.translations or {}).get(code) if isinstance(obj.translations, dict) else None
    value = given.get(field) if isinstance(given, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else own


def translations_clean(
    value,
    *,
    limits: dict[str, int],
    single_line: tuple[str, ...] = (),
    own_language: str = "",
    labels: dict[str, str] | None = None,
    drop_own: bool = False,
) -> dict[str, dict[str, str]]:
    """The stored shape of ``value``: known languages and fields only, trimmed, blanks left out.

    ``limits`` maps each translatable field to its maximum length (the row's own field's). Raises one
    ValidationError listing every problem, so a form or the admin shows all of them and nothing is saved.
    A text in ``own_language`` is refused (it belongs in the row's own field), or left out with ``drop_own``
    (the row's own check: a club whose default language changed keeps saving its other settings).
    """
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Give the texts per language, each as field and text."))
    names = dict(settings.LANGUAGES)
    labels = labels or {}
    problems: list[str] = []
    cleaned: dict[str, dict[str, str]] = {}
    for language, texts in value.items():
        if language not in names:
            problems.append(
                _("“%(language)s” is not a language of this site (%(languages)s).")
                % {"language": language, "languages": ", ".join(names)}
            )
            continue
        if not isinstance(texts, dict):
            problems.append(_("Give the texts in %(language)s as field and text.") % {"language": names[language]})
            continue
        kept: dict[str, str] = {}
        for field, text_value in texts.items():
            if field not in limits:
                problems.append(_("“%(field)s” cannot be translated.") % {"field": field})
                continue
            if text_value is None:
                continue
            if not isinstance(text_value, str):
                problems.append(_("“%(field)s” must be text.") % {"field": labels.get(field, field)})
                continue
            stripped = text_value.strip()
            if not stripped:
                continue
            label = labels.get(field, field)
            if language == own_language and drop_own:
                continue
            if language == own_language:
                problems.append(
                    _("%(language)s is the club's own language: write the %(field)s in the main field.")
                    % {"language": names[language], "field": label}
                )
            elif len(stripped) > limits[field]:
                problems.append(
                    _("The %(field)s in %(language)s has %(length)s characters; at most %(limit)s are allowed.")
                    % {
                        "field": label,
                        "language": names[language],
                        "length": format_number(len(stripped)),
                        "limit": format_number(limits[field]),
                    }
                )
            elif field in single_line and has_line_break(stripped):
                problems.append(
                    _("Keep the %(field)s in %(language)s on one line.") % {"field": label, "language": names[language]}
                )
            else:
                kept[field] = stripped
        if kept:
            cleaned[language] = kept
    if problems:
        raise ValidationError(problems)
    return dict(sorted(cleaned.items()))


def club_names_by_language(club) -> dict[str, str]:
    """The club's name in each site language it is given in: for texts stored now and shown later (notifications)."""
    return {code: name for code in site_languages() if (name := club.text("name", code)) != club.name}
