"""In a real browser: a leader switches on the club's save offer from the automations page, then a paying member
who cancels is asked why, sees the save offer once, and cancels with a reason."""

import re
from urllib.parse import urlparse

from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from automations.models import CancellationFeedback, ClubAutomationSettings
from tests.billing.flows import join_and_pay
from tests.billing.stripe_events import WEBHOOK_SECRET
from tests.factories import UserFactory


def _log_in(page, live_server, user):
    """Share a session made by Django's test client with the browser (the login form has its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    host = urlparse(live_server.url).hostname
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "domain": host, "path": "/"}])


def test_leader_turns_on_the_save_offer_and_a_member_cancels_with_a_reason(
    live_server, page, club, settings, stripe_emulator, django_capture_on_commit_callbacks, artifacts_dir
):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    leader = UserFactory(display_name="Lena Leader")
    club.leaders.add(leader)
    member = UserFactory(display_name="Max Member")
    join_and_pay(
        Client(), stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=club.plans.get(name="Monthly")
    )

    # The leader finds the automations through the navbar and switches the save offer on.
    _log_in(page, live_server, leader)
    page.goto(live_server.url + "/my/clubs/")
    page.get_by_role("button", name="Leading").or_(page.get_by_role("link", name="Leading")).first.click()
    page.get_by_role("link", name="Automations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Automations of Healthy and Happy Club")
    expect(page.locator("#automation-stats tbody tr")).to_have_count(8)
    page.get_by_label("save offer when a member cancels").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Automation settings saved.")).to_be_visible()
    assert ClubAutomationSettings.objects.get(club=club).save_offer_enabled

    # The member cancels from the billing page: asked why first, with the save offer shown.
    _log_in(page, live_server, member)
    page.goto(live_server.url + f"/clubs/{club.slug}/billing/")
    page.get_by_role("button", name="Cancel at the end of the period").click()
    expect(page).to_have_url(re.compile(r"/clubs/healthy-and-happy/leave/$"))
    headings = page.get_by_role("heading", level=2)
    expect(headings.first).to_contain_text("Pause instead of leaving")  # the pause comes before the save offer
    expect(headings.nth(1)).to_contain_text("Stay, and your next period is 50% off")
    page.screenshot(path=artifacts_dir / "automations_cancel_asks_why.png", full_page=True)
    page.get_by_label("It costs too much").check()
    page.get_by_label("Anything you would like to tell the club? (optional)").fill("Money is tight this month.")
    page.get_by_role("button", name="Cancel at the end of the period").click()

    expect(page).to_have_url(re.compile(r"/clubs/healthy-and-happy/billing/$"))
    expect(page.get_by_text("Your membership will end at the end of the current period.")).to_be_visible()
    feedback = CancellationFeedback.objects.get()
    assert feedback.reasons == ["too_expensive"]
    assert feedback.comment == "Money is tight this month."
