"""Every page of the access matrix at phone width (390 px), as member, leader and staff, in English and Arabic:
- no sideways scrolling (document.documentElement.scrollWidth <= 390);
- by keyboard: the first Tab stop is a visible skip link with a visible focus ring, and Enter moves focus to the
  content;
- no serious or critical axe-core violation (axe-core vendored in static/vendor/axe-core/, injected by the test from
  the same origin; no page loads it).
Each role gets one browser page that visits every page it may open, so the run stays short. An email frame's
document (CSP sandbox, no scripts) gets the width check only: axe cannot run inside it, and it has no skip link."""

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_i18n_rtl import sign_in
from tests.config.inline_code import is_sandboxed_email_frame
from tests.conftest import make_actor
from tests.test_access_matrix import PAGES

PHONE = {"width": 390, "height": 844}
AXE_PATH = settings.STATIC_URL + "vendor/axe-core/axe.min.js"
LANGUAGES = ("en", "ar")
ROLES = ("member", "leader", "staff")
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
    // iframes: false: a sandboxed frame (the email preview) runs no script and would keep axe waiting.
    const result = await axe.run(document, {resultTypes: ["violations"], iframes: false});
    return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
        .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`);
}"""


FIRST_TAB = """() => {
    const e = document.activeElement, r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return {
        href: e.getAttribute("href") || "",
        visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
        ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none",
    };
}"""
AFTER_ENTER = """href => {
    const target = document.getElementById(href.slice(1));
    return target !== null && (document.activeElement === target || target.contains(document.activeElement));
}"""


def keyboard_problems(page) -> list[str]:
    """The first Tab reaches a visible skip link with a visible focus ring, and Enter moves focus to the content."""
    page.keyboard.press("Tab")
    first = page.evaluate(FIRST_TAB)
    problems = []
    if not first["href"].startswith("#") or not first["visible"]:
        problems.append(f"the first Tab reaches no visible skip link ({first['href'] or 'no link'})")
    elif not first["ring"]:
        problems.append("the skip link shows no focus ring")
    else:
        page.keyboard.press("Enter")
        if not page.evaluate(AFTER_ENTER, first["href"]):
            problems.append(f"the skip link {first['href']} does not move focus to the content")
    return problems


def pages_for(role: str) -> list:
    return [page for page in PAGES if page.method == "get" and page.expected.get(role) == 200]


@pytest.mark.parametrize("role", ROLES)
def test_pages_fit_a_phone_and_have_no_serious_axe_violations(live_server, page, club, other_club, role):
    user = make_actor(role, club, other_club)
    sign_in(page, live_server.url, user)
    page.set_viewport_size(PHONE)
    problems, checked = [], 0
    for language in LANGUAGES:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        for row in pages_for(role):
            url = row.url(club)
            try:
                response = page.goto(live_server.url + url)
            except PlaywrightError as error:  # a calendar file or a CSV is a download, not a page
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                continue
            if "<html" not in response.text()[:1000].lower():  # an htmx fragment (the bell): part of a page, not one
                continue
            checked += 1
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide = page.evaluate(
                    """limit => [...document.querySelectorAll("body *")]
                        .filter(e => e.getBoundingClientRect().right > limit + 1)
                        .slice(0, 3).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."))""",
                    PHONE["width"],
                )
                problems.append(f"{language} {url}: {width} px wide ({', '.join(wide)})")
            if is_sandboxed_email_frame(response.headers.get("content-security-policy", "")):
                # An email's HTML served for the preview frame runs no script by design (CSP sandbox without
                # allow-scripts), so axe cannot be injected; its parent page is checked like every other page.
                continue
            problems += [f"{language} {url}: {problem}" for problem in keyboard_problems(page)]
            page.add_script_tag(url=live_server.url + AXE_PATH)  # same origin: the CSP (script-src 'self') allows it
            problems += [f"{language} {url}: {violation}" for violation in page.evaluate(RUN_AXE)]
    assert checked, f"no page checked as {role}"
    assert not problems, f"as {role}:\n" + "\n".join(problems)
