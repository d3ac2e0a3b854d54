"""Every page renders in each language with no untranslated strings.

The pages are the access matrix's (tests/test_access_matrix.py PAGES), so each app's new pages are checked as
soon as they have a row. Each page is rendered as a member, a leader, staff and (when it is public) anonymously,
in English, German, Arabic and Persian:
- Arabic and Persian: no text a person reads may contain Latin-script words, except user data (every text
  value stored in the database is known to the test) and a few names that never change (visible_text.py);
- German: no text node may be word for word the English one, except the allowed cognates below;
- Arabic and Persian pages are laid out right to left.
A failure names the page, the language and the text: mark it for translation, then run
``.venv/bin/python locale/update_catalogs.py`` and translate what it lists.
"""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import get_language_info

from core.money import CURRENCY_CHOICES
from members.models import TIME_ZONE_CHOICES
from tests.i18n.visible_text import ALLOWED_WORDS, KnownText, latin_words, visible_texts
from tests.test_access_matrix import PAGES

# Members and leaders see different parts of a page; staff pages that no one else sees are checked as staff.
ROLES_SEEN = ("anonymous", "member", "leader")
DATA_APPS = frozenset(["members", "clubs", "billing", "events", "feed", "offers", "account", "mfa", "sites", "auth"])
# German words that are spelled as in English: a text node of only these may be identical.
GERMAN_COGNATES = frozenset(["Status", "Online", "Code", "Club", "Clubs", "Details", "Check", "Name", "MFA", "Format"])
# Django's admin hard-codes alt="Search" in search_form.html, and names allauth's Authenticator model by its
# untranslatable class name; neither is ours to mark.
ADMIN_LITERALS = frozenset(["Search", "Authenticators"])
# Shown as they are everywhere: currency codes, time zone names and each language's own name in the switcher.
OTHER_NAMES = (
    {str(code) for code, _label in CURRENCY_CHOICES}
    | {str(part) for choice in TIME_ZONE_CHOICES for part in choice}
    | {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}
)


def roles_seeing(page) -> list[str]:
    roles = [role for role in ROLES_SEEN if page.expected.get(role) == 200]
    return roles or (["staff"] if page.expected.get("staff") == 200 else [])


# An email preview's frame is in the language its URL names, not the visitor's; the emails themselves are
# checked in every language by tests/test_email_kinds.py.
OWN_LANGUAGE_PAGES = frozenset(["offer-preview-frame", "automation-preview-frame"])
CASES = [
    pytest.param(page, role, id=f"{page.name}-{role}")
    for page in PAGES
    if page.method == "get" and page.name not in OWN_LANGUAGE_PAGES
    for role in roles_seeing(page)
]


def stored_text() -> KnownText:
    """Every text value in the database: names, titles, emails... are the members' words, never ours."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                values.update(str(value) for value in row if value)
    return KnownText(values | OTHER_NAMES)


def render(client, url: str, language: str) -> str | None:
    """The page's HTML in the language; None for what is not a page (images, calendar files, health checks)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, f"{url} in {language}: {response.status_code}"
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    return response.content.decode()


def response_is_fragment(html: str) -> bool:
    """A piece of a page (the bell htmx refreshes): no document around it, so no <html> to carry the language."""
    return "<!doctype" not in html[:200].lower() and "<body" not in html.lower()


def html_tag(html: str) -> str:
    match = re.search(r"<html[^>]*>", html)
    return match.group(0) if match else ""


@pytest.mark.parametrize(("page", "role"), CASES)
def test_page_renders_in_every_language_without_untranslated_text(page, role, actor_client, club):
    client, user = actor_client(role)
    if user is not None and user.preferred_language:
        user.preferred_language = ""
        user.save(update_fields=["preferred_language"])
    url = page.url(club)
    english_html = render(client, url, "en")
    if english_html is None:
        return
    english = set(visible_texts(english_html))
    known = stored_text()
    problems = []
    for language in ("de", "ar", "fa"):
        html = render(client, url, language)
        tag = html_tag(html)
        is_fragment = not tag and response_is_fragment(html)  # htmx swaps it into a page that has the <html>
        if not is_fragment and f'lang="{language}"' not in tag:
            problems.append(f"{language}: <html> says {tag!r}")
        if not is_fragment and language in ("ar", "fa") and 'dir="rtl"' not in tag:
            problems.append(f"{language}: not right to left: {tag!r}")
        for text in dict.fromkeys(visible_texts(html)):
            if url.startswith("/admin/") and text in ADMIN_LITERALS:
                continue
            words = latin_words(text, known=known)
            if language == "de":
                untranslated = text in english and any(word not in GERMAN_COGNATES for word in words)
            else:
                untranslated = bool(words)
            if untranslated:
                problems.append(f"{language}: {text!r}")
    assert not problems, f"{url} as {role}:\n" + "\n".join(problems)


def test_allowed_words_stay_few():
    """The allowlist is for names that never change; untranslated prose must not hide in it."""
    assert len(ALLOWED_WORDS) <= 30 and len(GERMAN_COGNATES) <= 10


def test_text_marked_in_another_language_is_skipped_only_inside_its_element():
    from tests.i18n.visible_text import visible_texts

    html = (
        '<html lang="ar"><body><p lang="en">Preview <b>text</b></p><input lang="en" placeholder="Welcome">'
        '<p>after</p><code lang="zxx">{club}</code><span lang="ar">نص</span></body></html>'
    )
    assert visible_texts(html) == ["after", "نص"]
