"""In a real browser: a leader posts an offer, sends it and watches the progress; a member who got the email
follows its link and redeems the offer in the demo checkout."""

import re

from django.core import mail
from playwright.sync_api import expect

from offers.models import Redemption, RedemptionStatus
from tests.factories import PASSWORD, MembershipFactory, UserFactory


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button").first.click()
    expect(page).to_have_url(re.compile(r"/my/clubs/$"))


def test_leader_sends_an_offer_and_a_member_redeems_it_in_demo_mode(
    live_server, page, browser, club, artifacts_dir, demo_settings
):
    leader = UserFactory(email="lea.leader@example.com", display_name="Lea Leader")
    club.leaders.add(leader)
    members = [UserFactory(email=f"member{index}@example.com") for index in range(3)]
    members[2].email_offers = False
    members[2].save()
    for member in members:
        MembershipFactory(user=member, club=club, plan=club.plans.first())

    # The leader posts an offer.
    log_in(page, live_server.url, leader.email)
    page.goto(live_server.url + "/clubs/healthy-and-happy/offers/manage/")
    page.get_by_role("link", name="New offer").click()
    page.get_by_label("Title").fill("Nutritionist session")
    page.get_by_label("Description").fill("One hour with our nutritionist. Members pay $25.")
    page.get_by_label("Price").fill("25.00")  # in dollars, as the leader thinks of it
    page.get_by_label("Valid from").fill("2026-01-01T09:00")
    page.get_by_label("Publish at").fill("2026-01-01T09:00")  # published at once (else a draft)
    page.get_by_label("Valid until").fill("2036-01-01T09:00")
    page.get_by_label("Quantity limit").fill("5")
    page.get_by_role("button", name="Post offer").click()
    expect(page.locator(".alert-success")).to_contain_text("Offer posted")

    # The send form says beforehand how many it reaches and skips.
    page.get_by_role("link", name="Send to members").click()
    expect(page.locator("#send-reach")).to_have_text("This email will reach 2 members.")
    expect(page.locator("#send-skipped")).to_contain_text("1 member will be skipped")
    page.screenshot(path=artifacts_dir / "offer_send_preview.png", full_page=True)
    page.get_by_role("button", name="Send now").click()

    # The progress page: a <progress> element and the counts (tasks run in-process here, so it is done).
    expect(page).to_have_url(re.compile(r"/offers/\d+/progress/$"))
    progress = page.locator("progress#send-progress")
    expect(progress).to_have_attribute("max", "2")
    expect(progress).to_have_attribute("value", "2")
    expect(page.locator('[data-count="sent"]')).to_have_text("2")
    expect(page.locator('[data-count="skipped"]')).to_have_text("1")
    expect(page.locator('[data-count="failed"]')).to_have_text("0")
    page.screenshot(path=artifacts_dir / "offer_send_progress.png", full_page=True)
    assert sorted(message.to[0] for message in mail.outbox) == ["member0@example.com", "member1@example.com"]

    # A member follows the link in the email and redeems the offer in the demo checkout.
    message = next(message for message in mail.outbox if message.to == ["member0@example.com"])
    link = re.search(r"https?://\S+(/offers/c/\S+/)", message.body).group(1)
    member_context = browser.new_context()
    member_page = member_context.new_page()
    try:
        log_in(member_page, live_server.url, "member0@example.com")
        member_page.goto(live_server.url + link)
        expect(member_page.get_by_role("heading", level=1)).to_have_text("Nutritionist session")
        expect(member_page.get_by_text("5 left")).to_be_visible()
        member_page.get_by_role("button", name="Redeem").click()
        expect(member_page).to_have_url(re.compile(r"/billing/demo-checkout/cs_test_\w+$"))
        expect(member_page.get_by_role("main")).to_contain_text("$25.00")
        member_page.get_by_role("button", name="Confirm demo payment").click()
        expect(member_page.get_by_role("status").first).to_contain_text("Your payment of $25.00 is confirmed")
        redemption = Redemption.objects.get()
        assert (redemption.user.email, redemption.status) == ("member0@example.com", RedemptionStatus.PAID)
        member_page.get_by_role("link", name="My redemptions").click()
        expect(member_page.get_by_role("main")).to_contain_text("Nutritionist session")
        member_page.screenshot(path=artifacts_dir / "offer_redeemed.png", full_page=True)
    finally:
        member_context.close()

    # Back on the leader's results: clicked and redeemed count.
    page.reload()
    expect(page.get_by_role("row", name=re.compile("Redeemed"))).to_contain_text("1")
    expect(page.get_by_role("row", name=re.compile("Clicked"))).to_contain_text("1")
