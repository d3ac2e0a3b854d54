"""The import preview on a phone (visual review, 2026-12-02): at 390 px the rows table scrolled sideways inside
its wrapper and the Outcome column, the one a leader reads, started off screen. Now each row is a block and every
outcome is inside the screen."""

from django.urls import reverse

from imports.services import import_preview
from tests.browser.test_notifications_bell import log_in
from tests.factories import UserFactory
from tests.imports.helpers import csv_bytes

PHONE = {"width": 390, "height": 844}


def test_import_preview_outcomes_are_on_screen_at_phone_width(live_server, browser, club):
    leader = UserFactory()
    club.leaders.add(leader)
    job = import_preview(
        club=club,
        actor=leader,
        data=csv_bytes(
            "email,name,plan,complimentary_until,stripe_subscription_id,club_emails",
            "ada@example.com,Ada Lovelace,Monthly,2030-06-30,,yes",
            "not-an-email,Broken Row,Monthly,2030-06-30,,yes",
        ),
        filename="members.csv",
        complimentary_until=None,
        default_plan=None,
        send_invitations=False,
    )
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        log_in(page, live_server.url, leader.email)
        page.goto(live_server.url + reverse("imports:import-preview", args=[club.slug, job.pk]))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        boxes = [cell.bounding_box() for cell in page.get_by_test_id("row-outcome").all()]
        assert len(boxes) == 2
        for box in boxes:
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()
