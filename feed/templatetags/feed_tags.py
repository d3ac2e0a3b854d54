"""How members' words are shown: escaped, with links made clickable, and nothing else as HTML."""

from django import template
from django.template.defaultfilters import linebreaksbr, urlizetrunc
from django.utils.safestring import SafeString

register = template.Library()

URL_DISPLAY_LIMIT = 60


@register.filter(is_safe=True)
def member_text(text: str) -> SafeString:
    """Escape everything, then turn http(s)://, www. and email addresses into links (rel="nofollow").

    Django's urlize escapes the text itself (autoescape=True) and links nothing else, so a
    ``javascript:`` link stays plain text; links open in the same tab, so no opener leaks.
    """
    return linebreaksbr(urlizetrunc(str(text or ""), URL_DISPLAY_LIMIT, autoescape=True), autoescape=True)
