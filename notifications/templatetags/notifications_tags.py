"""``{{ notification|notification_html }}``: a notification's text with each name and title in its own <bdi>.

Why: the text mixes the viewer's language with names people wrote ("Tara Trial", a post's excerpt, an event's
title). On a right-to-left page a left-to-right name ending in punctuation, or inside quotes, pulls the
punctuation to the wrong side unless the name is isolated. The kind's own renderer (notifications/kinds.py) makes
the sentence, so the words stay one translation; each parameter is marked with Unicode isolates (FSI ... PDI)
while it renders, and the marks become <bdi> elements once the whole text is escaped. The plain text (email
subjects, the text part) stays as it was.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notifications.kinds import KINDS

register = template.Library()

FSI, PDI = "\u2068", "\u2069"


def _clean(value: str) -> str:
    return value.replace(FSI, "").replace(PDI, "")


def _marked(value):
    """Each shown string of the params wrapped in isolate marks; ids, lists of words and other values as they are."""
    if isinstance(value, str):
        return f"{FSI}{_clean(value)}{PDI}"
    if isinstance(value, dict):  # names in each language (club_names)
        return {key: _marked(item) for key, item in value.items()}
    return value


@register.filter
def notification_html(notification) -> SafeString:
    kind = KINDS.get(notification.kind)
    params = notification.params if isinstance(notification.params, dict) else {}
    if kind is None:
        return escape(notification.text)
    text = kind.render({key: _marked(value) for key, value in params.items()})
    if text.count(FSI) != text.count(PDI):  # never expected; then the plain text, escaped
        return escape(notification.text)
    return mark_safe(escape(text).replace(FSI, "<bdi>").replace(PDI, "</bdi>"))  # noqa: S308 (escaped first)
