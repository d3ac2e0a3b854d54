"""Text that becomes one line of something else: an email header (Subject, List-Id) or an iCalendar property.

A line break inside such text ends the header or the property early: Python's email package refuses the
message (a 500 on send), icalendar refuses an unescaped X- property, and a hand-built header could be
injected. Forms refuse a break with a clear message (``validate_single_line``), services store the text
with breaks folded to spaces (``single_line``), and the places that build headers fold again, so a title
saved before this rule existed still cannot break a send.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Everything str.splitlines() splits on: CR, LF, VT, FF, the file/group/record separators, NEL, LS and PS.
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
SINGLE_LINE_MESSAGE = _("Keep this on one line: line breaks are not allowed here.")


def single_line(text: str) -> str:
    """The text on one line: each run of line breaks becomes one space, and the ends are trimmed."""
    return LINE_BREAKS.sub(" ", str(text or "")).strip()


def has_line_break(text: str) -> bool:
    return bool(LINE_BREAKS.search(str(text or "")))


def validate_single_line(value: str) -> None:
    """A form validator for titles and names that reach an email header or a calendar line."""
    if has_line_break(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="line_break")
