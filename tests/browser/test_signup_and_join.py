"""A new member's first visit, in a real browser: sign up, confirm the email, join on the Yearly plan, pay in
the demo checkout and enter the member area."""

import itertools
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from clubs.models import Membership, MembershipStatus

EMAIL = "new.member@example.com"
PASSWORD = "a-long-and-unusual-passphrase-42"
CONFIRM_URL = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")


def test_member_signs_up_confirms_email_joins_and_pays_in_demo_checkout(
    live_server, page, club, artifacts_dir, demo_settings
):
    # Sign up.
    page.goto(live_server.url + "/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    # By accessible name (the label without its aria-hidden "*"), as assistive technology announces them.
    page.get_by_role("textbox", name="Email", exact=True).fill(EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Password (again)", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign Up").click()

    # Verification is mandatory: the site says a mail went out and the account waits for it.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    match = CONFIRM_URL.search(message.body)
    assert match, f"no confirmation link in the mail body:\n{message.body}"
    confirm_url = match.group(0)
    assert confirm_url.startswith(live_server.url), confirm_url

    # Confirm the address (a POST: confirmation on GET is off), which logs the new member in.
    page.goto(confirm_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    expect(page.get_by_text(EMAIL).first).to_be_visible()
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page).to_have_url(re.compile(r"/my/clubs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My clubs")
    expect(page.locator(".alert-success").filter(has_text=f"You have confirmed {EMAIL}.")).to_be_visible()
    expect(page.get_by_text("You have not joined a club yet.")).to_be_visible()

    # The club page shows the three plans side by side, Yearly marked as the most popular.
    page.goto(live_server.url + "/clubs/healthy-and-happy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Healthy and Happy Club")
    plans = page.get_by_role("region", name="Membership plans").locator(".plan-card")
    expect(plans).to_have_count(3)
    expect(plans.get_by_role("heading", level=3)).to_have_text(["Monthly", "6 months", "Yearly"])
    expect(page.get_by_text("Most popular", exact=True)).to_have_count(1)
    yearly = plans.nth(2)
    expect(yearly.get_by_text("Most popular", exact=True)).to_be_visible()
    boxes = [plans.nth(index).bounding_box() for index in range(3)]
    assert all(box is not None for box in boxes), boxes
    for left, right in itertools.pairwise(boxes):
        assert left["y"] == pytest.approx(right["y"], abs=1), f"plans are not on one row: {boxes}"
        assert left["x"] + left["width"] <= right["x"], f"plans overlap or are out of order: {boxes}"

    # Join on the Yearly plan.
    yearly.get_by_role("link", name="Join — Yearly").click()
    expect(page).to_have_url(re.compile(rf"/clubs/healthy-and-happy/join/{club.plans.get(name='Yearly').pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Healthy and Happy Club")
    expect(page.get_by_role("heading", level=2)).to_have_text("Yearly")
    page.get_by_role("button", name="Join", exact=True).click()

    # Demo checkout (no Stripe key, DEBUG on): clearly labelled; the membership waits for payment.
    expect(page).to_have_url(re.compile(r"/billing/demo-checkout/cs_test_\w+$"))
    expect(page.get_by_role("note")).to_contain_text("Demo checkout")
    expect(page.get_by_role("main")).to_contain_text("$48.00")
    assert Membership.objects.get(user__email=EMAIL, club=club).status == MembershipStatus.PENDING
    page.screenshot(path=artifacts_dir / "demo_checkout.png", full_page=True)
    page.get_by_role("button", name="Confirm demo payment").click()

    # Access follows the webhook, not the redirect: the success page reports the confirmed payment.
    expect(page).to_have_url(re.compile(r"/clubs/healthy-and-happy/billing/checkout/success/\?session_id=cs_test_"))
    expect(page.get_by_role("status").first).to_contain_text("Your payment is confirmed")
    membership = Membership.objects.get(user__email=EMAIL, club=club)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.plan.name == "Yearly"
    assert membership.subscriptions.get().status == "active"

    page.get_by_role("link", name="Enter the member area").click()
    expect(page).to_have_url(re.compile(r"/clubs/healthy-and-happy/home/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Healthy and Happy Club")
    expect(page.get_by_role("main")).to_contain_text("Member area")

    page.screenshot(path=artifacts_dir / "signup_and_join.png", full_page=True)
