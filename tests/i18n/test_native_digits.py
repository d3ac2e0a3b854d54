"""Arabic and Persian pages write every number in their own digits: seat counts, "9 left", character limits, dates.

The pages are the access matrix's, rendered in ar and fa as each role that sees them; any Latin digit left in
text a person reads fails, once user data (stored text: names, titles, emails), addresses, paths and codes
(currency codes, time zone names) are taken out. A failure names the page, the language and the text: route the
number through ``|number``, ``|localdate`` or ``|native_digits`` (clubs_tags).
"""

import re

import pytest

from tests.i18n.test_pages_translated import CASES, render, stored_text
from tests.i18n.visible_text import visible_texts

LATIN_DIGIT = re.compile(r"[0-9]")
# Addresses, paths and colour codes are data; "UTC+03:00"-style offsets and ISO codes are not numbers a person counts.
NOT_NUMBERS = re.compile(r"\S+@\S+|https?://\S+|/\S*|#[0-9a-fA-F]{6}\b|\bUTC\b[+-]?\S*|\bISO ?\d+\b|\bE\.164\b")


def latin_digits(text: str, *, known) -> str:
    """What is left of ``text`` that holds a Latin digit once data and addresses are removed; "" when nothing."""
    rest = NOT_NUMBERS.sub(" ", known.remove_from(text))
    return rest if LATIN_DIGIT.search(rest) else ""


def test_latin_digits_finds_raw_counts_and_skips_data():
    from tests.i18n.visible_text import KnownText

    known = KnownText(["Club 1", "ada@example.com"])
    assert latin_digits("٣ مقاعد، 9 متبقية", known=known)
    assert latin_digits("2026/12/1", known=known)
    assert not latin_digits("Club 1 ۳", known=known)
    assert not latin_digits("ada@example.com /clubs/club-1/", known=known)


@pytest.mark.parametrize(("page", "role"), CASES)
def test_page_writes_native_digits_in_arabic_and_persian(page, role, actor_client, club):
    client, user = actor_client(role)
    if user is not None and user.preferred_language:
        user.preferred_language = ""
        user.save(update_fields=["preferred_language"])
    url = page.url(club)
    known = stored_text()
    problems = []
    for language in ("ar", "fa"):
        html = render(client, url, language)
        if html is None:
            return
        for text in dict.fromkeys(visible_texts(html)):
            if latin_digits(text, known=known):
                problems.append(f"{language}: {text!r}")
    assert not problems, f"{url} as {role}:\n" + "\n".join(problems)
