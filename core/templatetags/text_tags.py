"""Small text filters for sentences that end in a value someone else formatted."""

from django import template

register = template.Library()


@register.filter
def before_full_stop(value) -> str:
    """A value that ends a sentence whose full stop is in the translated text: without its own final stop.

    English times end in "p.m." and abbreviated months in "Dec.": "… until 3:44 p.m.." had two stops. The
    sentence keeps its own (German "14:00." needs it), the value gives up its last one.
    """
    text = "" if value is None else str(value)
    return text[:-1] if text.endswith(".") else text
