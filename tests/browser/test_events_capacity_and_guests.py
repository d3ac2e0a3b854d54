"""Issue 21: a leader lowers an event's capacity below those going and is asked what to do; the member moved
to the waitlist no longer sees the online link, and a member brings a guest who takes a seat."""

from datetime import timedelta

from django.core import mail
from playwright.sync_api import expect

from events.models import Rsvp, RsvpStatus
from tests.browser.test_events_rsvp_and_checkin import log_in
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory


def test_leader_lowers_capacity_and_moves_the_latest_to_the_waitlist(live_server, browser, club, artifacts_dir):
    leader = UserFactory(display_name="Lea Leader")
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(
        club=club, title="Garden work", capacity=3, guests_allowed=1, starts_in=timedelta(days=5)
    )
    early = MembershipFactory(club=club, user__display_name="Early Bird").user
    late = MembershipFactory(club=club, user__display_name="Late Comer").user
    RsvpFactory(occurrence=occurrence, user=early, responded_at=occurrence.starts_at - timedelta(days=4))
    RsvpFactory(occurrence=occurrence, user=late, responded_at=occurrence.starts_at - timedelta(days=1))

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, leader.email)
    page.goto(f"{live_server.url}/clubs/{club.slug}/events/{occurrence.pk}/edit/")
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("2 seats are taken, more than the new capacity of 1")).to_be_visible()
    page.get_by_label("More seats are taken than the new capacity").select_option("waitlist")
    page.screenshot(path=artifacts_dir / "events_capacity_question.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("This date of the event is saved")
    expect(page.get_by_text("1 of 1 seat taken")).to_be_visible()
    assert Rsvp.objects.get(user=late).status == RsvpStatus.WAITLISTED
    assert Rsvp.objects.get(user=early).status == RsvpStatus.GOING
    assert [message.to for message in mail.outbox] == [[late.email]]
    context.close()

    # The member moved to the waitlist no longer sees the online link.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, late.email)
    page.goto(f"{live_server.url}/clubs/{club.slug}/events/{occurrence.pk}/")
    expect(page.get_by_text("The link to join is shown here once you are going.")).to_be_visible()
    assert "meet.example.com" not in page.content()
    context.close()


def test_member_brings_a_guest_who_takes_a_seat(live_server, browser, club, artifacts_dir):
    member = MembershipFactory(club=club, user__display_name="Gina Guesthost").user
    occurrence = EventOccurrenceFactory(club=club, title="Picnic", capacity=5, guests_allowed=2)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/clubs/{club.slug}/events/{occurrence.pk}/")
    page.get_by_label("Guests").select_option("2")
    page.get_by_role("button", name="I'm going").click()
    expect(page.locator(".alert-success")).to_contain_text("You are going")
    expect(page.get_by_text("3 of 5 seats taken")).to_be_visible()
    expect(page.get_by_text("+2 guests")).to_be_visible()
    expect(page.get_by_role("link", name="https://meet.example.com/secret-room")).to_be_visible()
    page.screenshot(path=artifacts_dir / "events_guests_phone.png", full_page=True)
    assert Rsvp.objects.get(user=member).guests == 2
    context.close()
