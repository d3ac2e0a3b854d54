"""RSVPs: seats, the waitlist and its promotion, the deadline, and the race for the last seat."""

import threading
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from clubs.models import MembershipStatus
from events.exceptions import RsvpError
from events.models import Rsvp, RsvpStatus
from events.services.rsvps import rsvp_set
from events.services.schedule import EventDetailsInput, EventTimingInput, occurrence_update
from tests.events.factories import EventOccurrenceFactory
from tests.factories import ClubFactory, MembershipFactory, UserFactory


def member_of(club):
    return MembershipFactory(club=club).user


def answer(occurrence, user, going=True, **kwargs):
    return rsvp_set(occurrence_pk=occurrence.pk, user=user, going=going, **kwargs)


@pytest.mark.django_db
def test_rsvp_going_takes_a_seat(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=2)
    assert answer(occurrence, member_of(club)).status == RsvpStatus.GOING


@pytest.mark.django_db
def test_rsvp_joins_waitlist_when_full(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=1)
    answer(occurrence, member_of(club))
    late = answer(occurrence, member_of(club))
    assert late.status == RsvpStatus.WAITLISTED
    assert late.waitlisted_at is not None


@pytest.mark.django_db
def test_answering_going_twice_keeps_the_place_in_line(club):
    occurrence = EventOccurrenceFactory(club=club, capacity=1)
    answer(occurrence, member_of(club))
    waiting = member_of(club)
    first = answer(occurrence, waiting)
    again = answer(occurrence, waiting)
    assert again.waitlisted_at == first.waitlisted_at


@pytest.mark.django_db
def test_freed_seat_promotes_the_next_waitlisted_member_and_emails_them(club, django_capture_on_commit_callbacks):
    occurrence = EventOccurrenceFactory(club=club, capacity=1, title="Cooking class")
    seated, first_waiting, second_waiting = (member_of(club) for _ in range(3))
    answer(occurrence, seated)
    answer(occurrence, first_waiting)
    answer(occurrence, second_waiting)
    with django_capture_on_commit_callbacks(execute=True):
        answer(occurrence, seated, going=False)
    statuses = dict(Rsvp.objects.filter(occurrence=occurrence).values_list("user_id", "status"))
    assert statuses == {
        seated.pk: RsvpStatus.NOT_GOING,
        first_waiting.pk: RsvpStatus.GOING,
        second_waiting.pk: RsvpStatus.WAITLISTED,
    }
    assert [message.to for message in mail.outbox] == [[first_waiting.email]]
    assert "Cooking class" in mail.outbox[0].subject
    # The email points to the event page; the place and link stay behind the login.
    assert "Secret Garden Hall" not in mail.outbox[0].body


@pytest.mark.django_db
def test_promotion_email_is_sent_once_even_if_the_task_runs_again(club, django_capture_on_commit_callbacks):
    from events.tasks import send_waitlist_promotion_email

    occurrence = EventOccurrenceFactory(club=club, capacity=1)
    seated, waiting = member_of(club), member_of(club)
    answer(occurrence, seated)
    rsvp = answer(occurrence, waiting)
    with django_capture_on_commit_callbacks(execute=True):
        answer(occurrence, seated, going=False)
    assert send_waitlist_promotion_email(rsvp.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_raising_the_capacity_promotes_the_waitlist(club, django_capture_on_commit_callbacks):
    occurrence = EventOccurrenceFactory(club=club, capacity=1)
    answer(occurrence, member_of(club))
    waiting = answer(occurrence, member_of(club))
    local = occurrence.starts_at.astimezone(zoneinfo.ZoneInfo(occurrence.series.time_zone))
    with django_capture_on_commit_callbacks(execute=True):
        # Only the capacity changes (same time and place), so no change notice goes with the promotion.
        occurrence_update(
            occurrence=occurrence,
            details=EventDetailsInput(
                title=occurrence.title, place=occurrence.place, online_url=occurrence.online_url, capacity=5
            ),
            timing=EventTimingInput(
                start_date=local.date(), start_time=local.time(), end_time=(local + timedelta(hours=1)).time()
            ),
        )
    waiting.refresh_from_db()
    assert waiting.status == RsvpStatus.GOING
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_rsvp_closes_at_the_deadline(club):
    occurrence = EventOccurrenceFactory(club=club)
    occurrence.rsvp_deadline = occurrence.starts_at - timedelta(hours=3)
    occurrence.save()
    with pytest.raises(RsvpError):
        answer(occurrence, member_of(club), now=occurrence.rsvp_deadline)
    assert answer(occurrence, member_of(club), now=occurrence.rsvp_deadline - timedelta(seconds=1)).status == "going"


@pytest.mark.django_db
def test_rsvp_is_refused_to_people_without_access_and_for_cancelled_events(club):
    occurrence = EventOccurrenceFactory(club=club)
    lapsed = MembershipFactory(club=club, status=MembershipStatus.CANCELED).user
    other_leader = UserFactory()
    ClubFactory().leaders.add(other_leader)
    for outsider in (lapsed, other_leader, UserFactory()):
        with pytest.raises(RsvpError):
            answer(occurrence, outsider)
    occurrence.cancelled_at = timezone.now()
    occurrence.save()
    with pytest.raises(RsvpError):
        answer(occurrence, member_of(club))
    assert not Rsvp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_rsvps_for_the_last_seat_never_overbook_and_promote_in_order():
    """Eight members press "going" at the same moment for one seat (PostgreSQL: real row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; runs under CI=true")
    club = ClubFactory()
    occurrence = EventOccurrenceFactory(club=club, capacity=1)
    racers = [member_of(club) for _ in range(8)]
    barrier = threading.Barrier(len(racers))
    errors = []

    def race(user):
        try:
            barrier.wait()
            rsvp_set(occurrence_pk=occurrence.pk, user=user, going=True)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rsvps = Rsvp.objects.filter(occurrence=occurrence)
    assert rsvps.filter(status=RsvpStatus.GOING).count() == 1
    waitlist = list(rsvps.filter(status=RsvpStatus.WAITLISTED).order_by("waitlisted_at", "pk"))
    assert len(waitlist) == 7

    # The seat holder and the head of the line both leave at once: the seat goes to the next in line.
    seated = rsvps.get(status=RsvpStatus.GOING).user
    head = waitlist[0].user
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=leave, args=(occurrence, user, barrier)) for user in (seated, head)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whichever order the locks give them, the head's leaving and the freed seat end with the second in line.
    going = list(rsvps.filter(status=RsvpStatus.GOING).values_list("user_id", flat=True))
    assert going == [waitlist[1].user_id]
    assert rsvps.filter(status=RsvpStatus.WAITLISTED).count() == 5


def leave(occurrence, user, barrier):
    try:
        barrier.wait()
        rsvp_set(occurrence_pk=occurrence.pk, user=user, going=False)
    finally:
        connection.close()
