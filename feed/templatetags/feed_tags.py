"""How members' words are shown: escaped, with links made clickable, and nothing else as HTML."""

import re

from django import template
from django.template.defaultfilters import linebreaksbr, urlizetrunc
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

URL_DISPLAY_LIMIT = 60


@register.filter(is_safe=True)
def member_text(text: str) -> SafeString:
    """Escape everything, then turn http(s)://, www. and email addresses into links (rel="nofollow").

    Django's urlize escapes the text itself (autoescape=True) and links nothing else, so a
    ``javascript:`` link stays plain text; links open in the same tab, so no opener leaks.
    """
    return linebreaksbr(urlizetrunc(str(text or ""), URL_DISPLAY_LIMIT, autoescape=True), autoescape=True)


# A web address: http or https only, up to the first space, quote or angle bracket.
WEB_ADDRESS = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address ("see https://x.org/a.").
TRAILING = ".,;:!?'\""
CLOSERS = {")": "(", "]": "[", "}": "{"}


def _address_end(address: str) -> str:
    """The address without the sentence's punctuation after it; a closing bracket stays when it has its opener."""
    while address:
        last = address[-1]
        if last in TRAILING or (last in CLOSERS and address.count(last) > address.count(CLOSERS[last])):
            address = address[:-1]
            continue
        break
    return address


@register.filter(is_safe=True)
def announcement_text(text: str) -> SafeString:
    """A leader's announcement: everything escaped, then only http(s) addresses linked, rel="nofollow noopener".

    Nothing else becomes a link (no ``www.``, no email addresses, no ``javascript:``): the address must
    start with http:// or https://, and it is written into the attribute escaped. Links open in a new tab,
    so ``noopener`` keeps the opened page from reaching back into ours.
    """
    text = str(text or "")
    pieces, position = [], 0
    for match in WEB_ADDRESS.finditer(text):
        address = _address_end(match.group(0))
        if "://" not in address or address.endswith("://"):
            continue
        shown = address if len(address) <= URL_DISPLAY_LIMIT else address[: URL_DISPLAY_LIMIT - 1] + "…"
        pieces.append(escape(text[position : match.start()]))
        pieces.append(format_html('<a href="{}" rel="nofollow noopener" target="_blank">{}</a>', address, shown))
        position = match.start() + len(address)
    pieces.append(escape(text[position:]))
    return linebreaksbr(mark_safe("".join(pieces)), autoescape=False)  # noqa: S308 (every piece escaped above)
