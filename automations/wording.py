"""Leaders' own subject and opening paragraph per automation and language, with checked placeholders.

The default text is the translation catalogs' own (the same msgids the email templates and
``delivery.SUBJECTS`` use), shown to leaders with ``{name}``-style placeholders instead of ``%(name)s``.
A saved text may use only its kind's placeholders, in balanced braces; anything else gets a clear message.
"""

import re
import string

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automations.models import AutomationKind

COMMON = ("name", "club")
PLACEHOLDERS = {
    AutomationKind.RENEWAL_REMINDER: (*COMMON, "plan", "date", "amount"),
    AutomationKind.UPGRADE_NUDGE: (*COMMON, "plan", "price", "saving", "percent"),
    AutomationKind.WIN_BACK: (*COMMON, "percent"),
    AutomationKind.AFTER_EVENT: (*COMMON, "event"),
}

# The first paragraph after the greeting in templates/automations/email/automation.{txt,html}: the same msgids.
OPENINGS = {
    AutomationKind.WELCOME: _("Welcome to %(club_name)s! We are glad you are here."),
    AutomationKind.WELCOME_NUDGE: _(
        "You have been a member of %(club_name)s for a week. "
        "The best way in is to come to an event or say hello with a first post."
    ),
    AutomationKind.RENEWAL_REMINDER: _(
        "Your %(plan_name)s membership of %(club_name)s renews on %(date)s for %(amount)s."
    ),
    AutomationKind.UPGRADE_NUDGE: _(
        "Thank you for being a member. With the %(plan_name)s plan (%(price)s) you save %(saving)s "
        "(%(percent)s%%) compared with paying monthly."
    ),
    AutomationKind.INACTIVITY: _("We have not seen you at %(club_name)s for a while, and we miss you."),
    AutomationKind.WIN_BACK: _(
        "Come back to %(club_name)s: your first period is %(percent)s%% off when you rejoin through this link."
    ),
    AutomationKind.BIRTHDAY: _("Happy birthday from all of us at %(club_name)s!"),
    AutomationKind.AFTER_EVENT: _("Thank you for coming to %(title)s. What did you achieve? Share it with the club."),
}
# The catalog's variable names, as leaders see them.
_RENAMED = {"club_name": "club", "plan_name": "plan", "title": "event"}
_PERCENT_FIELD = re.compile(r"%\((\w+)\)s")


def placeholders_for(kind: str) -> tuple[str, ...]:
    return PLACEHOLDERS.get(kind, COMMON)


def _as_braces(catalog_text: str) -> str:
    text = _PERCENT_FIELD.sub(lambda match: "{" + _RENAMED.get(match[1], match[1]) + "}", str(catalog_text))
    return text.replace("%%", "%")


def default_subject(kind: str) -> str:
    """The catalog's subject in the active language, with braces placeholders."""
    from automations.services.delivery import SUBJECTS

    return _as_braces(str(SUBJECTS[kind]))


def default_opening(kind: str) -> str:
    """The catalog's opening paragraph in the active language, with braces placeholders."""
    return _as_braces(str(OPENINGS[kind]))


def placeholders_check(text: str, *, kind: str) -> str:
    """The text unchanged when its placeholders are known and its braces balanced; else a ValueError to show."""
    allowed = placeholders_for(kind)
    known = ", ".join("{" + name + "}" for name in allowed)
    try:
        fields = [field for _literal, field, _spec, _conversion in string.Formatter().parse(text)]
        specs = [(spec, conversion) for _literal, field, spec, conversion in string.Formatter().parse(text) if field]
    except ValueError as error:
        raise ValueError(
            gettext("The braces do not match: write each placeholder as {name}, and {{ or }} for a brace itself.")
        ) from error
    for field in fields:
        if field is None:
            continue
        if field not in allowed:
            raise ValueError(
                gettext("Unknown placeholder {%(field)s}. You can use: %(known)s.") % {"field": field, "known": known}
            )
    if any(spec or conversion for spec, conversion in specs):
        raise ValueError(gettext("Write placeholders without formatting, for example {club}."))
    return text


def wording_fill(text: str, *, kind: str, values: dict) -> str:
    """A checked text with its placeholders filled in (values already formatted for the language)."""
    placeholders_check(text, kind=kind)
    return text.format_map({name: values.get(name, "") for name in placeholders_for(kind)})
