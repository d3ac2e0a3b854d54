"""A member says they are going and sees it in the club's event list; at the door a leader checks them in,
on a phone-sized screen."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from events.models import Attendance, Rsvp, RsvpStatus
from tests.events.factories import EventOccurrenceFactory
from tests.factories import PASSWORD, MembershipFactory, UserFactory

PHONE = {"width": 390, "height": 844}


def log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_member_rsvps_and_sees_the_event_then_a_leader_checks_them_in(live_server, browser, club, artifacts_dir):
    member = MembershipFactory(club=club, user__display_name="Mona Member").user
    leader = UserFactory(display_name="Lea Leader")
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(
        club=club, title="Sunset walk", capacity=10, starts_in=timedelta(minutes=45), place="Harbour steps"
    )

    # The member answers from the club's event list.
    member_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = member_context.new_page()
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/clubs/{club.slug}/home/")
    next_events = page.get_by_role("region", name="Next events")
    expect(next_events).to_contain_text("Sunset walk")
    next_events.get_by_role("link", name="All events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming events")
    row = page.locator(f"#event-{occurrence.pk}")
    expect(row).to_contain_text("Harbour steps")
    row.get_by_role("button", name="I'm going").click()
    expect(page).to_have_url(re.compile(rf"/clubs/{club.slug}/events/$"))
    expect(page.locator(".alert-success")).to_contain_text("You are going")
    row = page.locator(f"#event-{occurrence.pk}")
    expect(row.get_by_text("You are going", exact=True)).to_be_visible()
    expect(row).to_contain_text("1 of 10 seats taken")
    assert Rsvp.objects.get(user=member, occurrence=occurrence).status == RsvpStatus.GOING
    page.screenshot(path=artifacts_dir / "events_member_rsvp.png", full_page=True)
    member_context.close()

    # The leader checks them in on a phone.
    leader_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = leader_context.new_page()
    log_in(phone, live_server.url, leader.email)
    phone.goto(f"{live_server.url}/clubs/{club.slug}/events/{occurrence.pk}/")
    phone.get_by_role("link", name="Check-in").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check-in")
    going = phone.get_by_role("region", name=re.compile(r"^Going"))
    expect(going).to_contain_text("Mona Member")
    going.get_by_role("button", name="Check in Mona Member").click()
    expect(going.get_by_text("Checked in", exact=True)).to_be_visible()
    expect(going.get_by_role("button", name="Undo check-in of Mona Member")).to_be_visible()
    attendance = Attendance.objects.get(user=member, occurrence=occurrence)
    assert attendance.checked_in_by == leader
    box = going.get_by_role("button", name="Undo check-in of Mona Member").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    phone.screenshot(path=artifacts_dir / "events_leader_checkin_phone.png", full_page=True)
    leader_context.close()
