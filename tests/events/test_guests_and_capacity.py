"""Issue 21, "Calendars and events": RSVPs with guests counted against capacity, and lowering the capacity
below the seats taken asks the leader (keep everyone, or move the latest to the waitlist) instead of "4 of 2"."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.exceptions import CapacityDecisionNeeded, RsvpError
from events.forms import EventForm
from events.models import Rsvp, RsvpStatus
from events.services.rsvps import rsvp_set
from events.services.schedule import EventDetailsInput, EventTimingInput, OverCapacity, occurrence_update
from tests.events.factories import EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def member_of(club):
    return MembershipFactory(club=club).user


def answer(occurrence, user, *, going=True, guests=0):
    return rsvp_set(occurrence_pk=occurrence.pk, user=user, going=going, guests=guests)


def test_guests_take_seats_and_a_party_that_does_not_fit_waits_whole(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=4, guests_allowed=2)
    first = answer(occurrence, member_of(club), guests=2)  # 3 seats
    party = answer(occurrence, member_of(club), guests=1)  # needs 2, 1 free
    single = answer(occurrence, member_of(club))  # needs 1, 1 free
    assert (first.status, party.status, single.status) == (RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.GOING)


def test_more_guests_than_the_event_allows_are_refused(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=10, guests_allowed=1)
    with pytest.raises(RsvpError, match="at most 1 guest"):
        answer(occurrence, member_of(club), guests=2)
    members_only = EventOccurrenceFactory(club=club, guests_allowed=0)
    with pytest.raises(RsvpError, match="no guests"):
        answer(members_only, member_of(club), guests=1)
    assert not Rsvp.objects.exists()


def test_adding_guests_beyond_the_free_seats_is_refused_and_the_seat_kept(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=3, guests_allowed=3)
    member = member_of(club)
    answer(occurrence, member)
    answer(occurrence, member_of(club))
    with pytest.raises(RsvpError, match="Only 2 seats are free"):
        answer(occurrence, member, guests=2)
    rsvp = Rsvp.objects.get(user=member)
    assert (rsvp.status, rsvp.guests) == (RsvpStatus.GOING, 0)
    assert answer(occurrence, member, guests=1).guests == 1


def test_fewer_guests_free_seats_for_the_waitlist_in_order(club, django_capture_on_commit_callbacks):
    occurrence = EventOccurrenceFactory(club=club, capacity=3, guests_allowed=2)
    host = member_of(club)
    answer(occurrence, host, guests=2)
    big = answer(occurrence, member_of(club), guests=1)
    small = answer(occurrence, member_of(club))
    with django_capture_on_commit_callbacks(execute=True):
        answer(occurrence, host, guests=0)  # 2 seats free: the party of 2 first in line fits, the single waits
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (RsvpStatus.GOING, RsvpStatus.WAITLISTED)


def test_detail_counts_guests_in_seats_and_lists_them(client, club):
    occurrence = EventOccurrenceFactory(club=club, capacity=5, guests_allowed=2)
    guest_host = MembershipFactory(club=club, user=UserFactory(display_name="Hana Host")).user
    RsvpFactory(occurrence=occurrence, user=guest_host, guests=2)
    RsvpFactory(occurrence=occurrence, user=member_of(club))
    client.force_login(member_of(club))
    html = client.get(occurrence.get_absolute_url()).content.decode()
    assert "4 of 5 seats taken" in html
    assert "4 going" in html
    assert "+2 guests" in html
    list_html = client.get(reverse("events:event-list", args=[club.slug])).content.decode()
    assert "4 of 5 seats taken" in list_html


def test_member_brings_a_guest_from_the_page(client, club):
    occurrence = EventOccurrenceFactory(club=club, capacity=5, guests_allowed=2)
    member = member_of(club)
    client.force_login(member)
    assert 'name="guests"' in client.get(occurrence.get_absolute_url()).content.decode()
    client.post(reverse("events:event-rsvp", args=[club.slug, occurrence.pk]), {"going": "yes", "guests": "2"})
    assert Rsvp.objects.get(user=member).guests == 2
    response = client.post(
        reverse("events:event-rsvp", args=[club.slug, occurrence.pk]), {"going": "yes", "guests": "9"}, follow=True
    )
    assert Rsvp.objects.get(user=member).guests == 2
    assert response.status_code == 200


def _timing(occurrence) -> EventTimingInput:
    local = occurrence.starts_at.astimezone(zoneinfo.ZoneInfo(occurrence.series.time_zone))
    return EventTimingInput(
        start_date=local.date(), start_time=local.time(), end_time=(local + timedelta(hours=1)).time()
    )


def _details(occurrence, capacity) -> EventDetailsInput:
    return EventDetailsInput(
        title=occurrence.title, place=occurrence.place, online_url=occurrence.online_url, capacity=capacity
    )


def _four_going(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=4)
    now = timezone.now()
    rsvps = [
        RsvpFactory(occurrence=occurrence, user=member_of(club), responded_at=now - timedelta(hours=10 - index))
        for index in range(4)
    ]
    return occurrence, rsvps


def test_lowering_capacity_below_those_going_asks_first_and_changes_nothing(club):
    occurrence, _rsvps = _four_going(club)
    with pytest.raises(CapacityDecisionNeeded, match="4 seats are taken, more than the new capacity of 2"):
        occurrence_update(occurrence=occurrence, details=_details(occurrence, 2), timing=_timing(occurrence))
    occurrence.refresh_from_db()
    assert occurrence.capacity == 4


def test_lowering_capacity_and_keeping_everyone_shows_full_not_4_of_2(client, club):
    occurrence, _rsvps = _four_going(club)
    occurrence_update(
        occurrence=occurrence,
        details=_details(occurrence, 2),
        timing=_timing(occurrence),
        over_capacity=OverCapacity.KEEP,
    )
    assert Rsvp.objects.filter(status=RsvpStatus.GOING).count() == 4
    client.force_login(member_of(club))
    html = client.get(occurrence.get_absolute_url()).content.decode()
    assert "4 of 2" not in html and "Full: 4 going" in html


def test_lowering_capacity_moves_the_latest_to_the_head_of_the_waitlist_and_tells_them(
    club, django_capture_on_commit_callbacks
):
    occurrence, rsvps = _four_going(club)
    already_waiting = RsvpFactory(
        occurrence=occurrence, user=member_of(club), status=RsvpStatus.WAITLISTED, waitlisted_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        occurrence_update(
            occurrence=occurrence,
            details=_details(occurrence, 2),
            timing=_timing(occurrence),
            over_capacity=OverCapacity.WAITLIST,
        )
    statuses = [Rsvp.objects.get(pk=rsvp.pk).status for rsvp in rsvps]
    assert statuses == [RsvpStatus.GOING, RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.WAITLISTED]
    order = list(
        Rsvp.objects.filter(status=RsvpStatus.WAITLISTED).order_by("waitlisted_at", "pk").values_list("pk", flat=True)
    )
    assert order == [rsvps[2].pk, rsvps[3].pk, already_waiting.pk]
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([rsvps[2].user.email, rsvps[3].user.email])
    assert all("waitlist" in message.subject for message in mail.outbox)


def test_capacity_form_asks_the_leader_then_applies_the_choice(client, club, django_capture_on_commit_callbacks):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence, _rsvps = _four_going(club)
    client.force_login(leader)
    url = reverse("events:event-edit", args=[club.slug, occurrence.pk])
    initial = EventForm.initial_for(occurrence, time_zone=occurrence.series.time_zone)
    data = {key: value for key, value in initial.items() if value is not None}
    data.update(capacity="2", guests_allowed="0")
    asked = client.post(url, data)
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "4 seats are taken, more than the new capacity of 2" in html
    assert 'name="over_capacity"' in html and 'value="waitlist"' in html and 'name="ask_over_capacity"' in html
    occurrence.refresh_from_db()
    assert occurrence.capacity == 4
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**data, "ask_over_capacity": "1", "over_capacity": "waitlist"})
    assert done.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.capacity == 2
    assert Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.GOING).count() == 2


@pytest.mark.parametrize("rows", [1, 30])
def test_list_and_detail_with_guests_and_covers_stay_within_budget(client, club, rows, django_assert_max_num_queries):
    from tests.events.factories import occurrence_with_cover

    viewer = member_of(club)
    first = None
    for index in range(rows):
        occurrence = occurrence_with_cover(club)
        occurrence.capacity, occurrence.guests_allowed = 100, 3
        occurrence.starts_at += timedelta(hours=index)
        occurrence.ends_at += timedelta(hours=index)
        occurrence.save()
        first = first or occurrence
        RsvpFactory(occurrence=occurrence, user=member_of(club), guests=2)
    for _index in range(rows):
        RsvpFactory(occurrence=first, user=member_of(club), guests=1)
    client.force_login(viewer)
    with django_assert_max_num_queries(8):  # measured: 8 at 1 and at 30
        html = client.get(reverse("events:event-list", args=[club.slug])).content.decode()
    assert f"{3 + 2 * rows} of 100 seats taken" in html
    assert rows == 1 or "3 of 100 seats taken" in html
    with django_assert_max_num_queries(9):  # measured: 9 at 1 and at 30
        html = client.get(first.get_absolute_url()).content.decode()
    assert f"{3 + 2 * rows} of 100 seats taken" in html and "+1 guest" in html


def test_after_keeping_everyone_a_later_edit_does_not_ask_again(club):
    occurrence, _rsvps = _four_going(club)
    occurrence_update(
        occurrence=occurrence,
        details=_details(occurrence, 2),
        timing=_timing(occurrence),
        over_capacity=OverCapacity.KEEP,
    )
    occurrence.refresh_from_db()
    details = EventDetailsInput(title="New title", place=occurrence.place, online_url=occurrence.online_url, capacity=2)
    assert occurrence_update(occurrence=occurrence, details=details, timing=_timing(occurrence)).title == "New title"
