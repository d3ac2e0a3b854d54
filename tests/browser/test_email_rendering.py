"""Every kind of member email rendered once in Chromium (issue 19): a phone-width screenshot per kind in
test-artifacts/, the layout fitting a 390-pixel screen, and dark mode honoured through prefers-color-scheme."""

import pytest

from tests.test_email_kinds import KINDS, POSTAL_ADDRESS, parts, send_kind

pytestmark = pytest.mark.browser


@pytest.fixture
def email_club(club, settings):
    settings.DEFAULT_FROM_EMAIL = "Returnpath <noreply@mail.returnpath.app>"
    settings.SITE_URL = "https://testserver"
    type(club).objects.filter(pk=club.pk).update(postal_address=POSTAL_ADDRESS, brand_colour="#1a7f37")
    club.refresh_from_db()
    return club


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_email_html_renders_on_a_phone_in_light_and_dark_mode(
    live_server, browser, email_club, artifacts_dir, kind, language, django_capture_on_commit_callbacks, client
):
    sent = send_kind(kind, email_club, language, django_capture_on_commit_callbacks, client)
    _text, html = parts(sent.parsed)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        page.screenshot(path=artifacts_dir / f"email_{kind}_{language}.png", full_page=True)
        light = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        page.emulate_media(color_scheme="dark")
        dark = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        assert light == "rgb(255, 255, 255)" and dark == "rgb(22, 27, 34)"
        if language == "en":
            page.screenshot(path=artifacts_dir / f"email_{kind}_{language}_dark.png", full_page=True)
    finally:
        context.close()
