"""The bell: htmx refreshes it at most once a minute and only while the tab is visible; without JavaScript
the notifications page and "Mark all read" still work."""

import re

from playwright.sync_api import expect

from notifications.models import Notification
from tests.factories import PASSWORD, MembershipFactory


def log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def notify(user, club, key: str):
    Notification.objects.create(
        user=user, kind="offer_new", key=key, club=club, params={"offer_title": f"Offer {key}"}, url="/"
    )


def test_the_bell_refreshes_once_a_minute_only_while_visible(live_server, page, club):
    member = MembershipFactory(club=club).user
    notify(member, club, "1")
    bell_requests = []
    page.on(
        "request", lambda request: bell_requests.append(request.url) if "/notifications/bell/" in request.url else None
    )
    page.clock.install()
    log_in(page, live_server.url, member.email)
    page.goto(live_server.url + "/my/clubs/")
    count = page.get_by_test_id("notification-count")
    expect(count).to_contain_text("1")

    notify(member, club, "2")
    page.clock.run_for("00:30")
    assert bell_requests == []  # not before a minute
    page.clock.run_for("00:31")
    expect(page.get_by_test_id("notification-count")).to_contain_text("2")
    assert len(bell_requests) == 1

    # A hidden tab asks nothing, however long it stays hidden.
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    notify(member, club, "3")
    page.clock.run_for("05:00")
    assert len(bell_requests) == 1
    # Back to the tab: one refresh at once (more than a minute has passed), then nothing on further switches.
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});"
        "document.dispatchEvent(new Event('visibilitychange'));"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    expect(page.get_by_test_id("notification-count")).to_contain_text("3")
    page.clock.run_for("00:10")
    assert len(bell_requests) == 2


def test_without_javascript_the_page_opens_and_marks_all_read(live_server, browser, club):
    member = MembershipFactory(club=club).user
    for key in ("1", "2"):
        notify(member, club, key)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, member.email)
    page.goto(live_server.url + "/my/clubs/")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page.get_by_test_id("notification")).to_have_count(2)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".alert-success")).to_contain_text("All notifications are marked read.")
    expect(page.get_by_test_id("notification-count")).to_have_count(0)
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    context.close()
