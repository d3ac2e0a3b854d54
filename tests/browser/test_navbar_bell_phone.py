"""At phone width (390 px) the menu is folded away; the bell's unread count shows beside the toggle all the same."""

from playwright.sync_api import expect

from tests.browser.test_notifications_bell import log_in, notify
from tests.factories import MembershipFactory


def test_navbar_bell_count_is_visible_at_phone_width(live_server, page, club):
    member = MembershipFactory(club=club).user
    notify(member, club, "1")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, member.email)
    page.goto(live_server.url + "/my/clubs/")
    expect(page.locator("#main-nav")).to_be_hidden()  # the menu is collapsed
    expect(page.get_by_test_id("notification-count")).to_be_visible()
    count = page.get_by_test_id("notification-count").bounding_box()
    toggle = page.locator(".navbar-toggler").bounding_box()
    # On the toggle's row, and within the screen.
    assert count["y"] < toggle["y"] + toggle["height"] and toggle["y"] < count["y"] + count["height"]
    assert count["x"] + count["width"] <= 390
