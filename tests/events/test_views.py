"""Event pages: lists within a query budget, forms for leaders, RSVP and check-in, and no leaks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.models import MembershipStatus
from events.models import Attendance, EventOccurrence, EventSeries, Rsvp, RsvpStatus
from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_QUERY_BUDGET = 8  # measured: 8 at 1 and at 50 events


def members(club, count):
    return [MembershipFactory(club=club).user for _ in range(count)]


@pytest.mark.parametrize("events", [1, 50])
def test_event_list_stays_within_the_query_budget(client, club, events, django_assert_max_num_queries):
    viewer = MembershipFactory(club=club).user
    people = members(club, 3)
    for index in range(events):
        occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(days=index + 1), capacity=2)
        for person, status in zip(people, ["going", "not_going", "waitlisted"], strict=True):
            RsvpFactory(occurrence=occurrence, user=person, status=status)
        RsvpFactory(occurrence=occurrence, user=viewer)
    client.force_login(viewer)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get(reverse("events:event-list", args=[club.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="list-group-item py-3') == min(events, 20)
    assert "You are going" in html and "2 of 2 seats taken" in html


@pytest.mark.parametrize("events", [1, 50])
def test_event_archive_stays_within_the_query_budget(client, club, events, django_assert_max_num_queries):
    viewer = MembershipFactory(club=club).user
    for index in range(events):
        occurrence = EventOccurrenceFactory(club=club, starts_in=-timedelta(days=index + 1))
        AttendanceFactory(occurrence=occurrence, user=viewer)
    client.force_login(viewer)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get(reverse("events:event-archive", args=[club.slug]))
    assert "1 came" in response.content.decode()


def test_upcoming_list_is_paginated_and_excludes_past_events(client, club):
    client.force_login(MembershipFactory(club=club).user)
    EventOccurrenceFactory(club=club, title="Long ago", starts_in=-timedelta(days=3))
    for index in range(25):
        EventOccurrenceFactory(club=club, title=f"Upcoming {index:02d}", starts_in=timedelta(days=index + 1))
    first = client.get(reverse("events:event-list", args=[club.slug])).content.decode()
    second = client.get(reverse("events:event-list", args=[club.slug]), {"page": 2}).content.decode()
    assert "Upcoming 00" in first and "Upcoming 19" in first and "Upcoming 20" not in first
    assert "Upcoming 24" in second
    assert "Long ago" not in first + second
    assert "Long ago" in client.get(reverse("events:event-archive", args=[club.slug])).content.decode()


def test_leader_plans_a_recurring_event_with_the_form(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    start = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("events:event-create", args=[club.slug]),
        {
            "title": "Weekly meeting",
            "description": "Bring water.",
            "start_date": start.isoformat(),
            "start_time": "19:00",
            "end_time": "20:30",
            "place": "Room 2",
            "online_url": "",
            "capacity": "10",
            "rsvp_hours_before": "2",
            "frequency": "biweekly",
            "until": "",
            "count": "5",
        },
    )
    series = EventSeries.objects.get()
    assert response.status_code == 302
    assert response["Location"] == series.occurrences.order_by("starts_at").first().get_absolute_url()
    assert series.occurrences.count() == 5
    assert (series.created_by, series.time_zone) == (leader, club.time_zone)


def test_event_form_explains_bad_input_and_creates_nothing(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    response = client.post(
        reverse("events:event-create", args=[club.slug]),
        {
            "title": "No place",
            "start_date": "2020-01-01",
            "start_time": "19:00",
            "end_time": "20:00",
            "frequency": "weekly",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "an online link, a place, or both" in html
    assert "A repeating event needs an end" in html
    assert not EventOccurrence.objects.exists()


def test_leader_edits_one_date_from_the_form(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club)
    client.force_login(leader)
    url = reverse("events:event-edit", args=[club.slug, occurrence.pk])
    form = client.get(url).context["form"]
    data = {**{key: value for key, value in form.initial.items() if value is not None}, "title": "Moved inside"}
    data["start_date"] = (timezone.localdate() + timedelta(days=9)).isoformat()
    response = client.post(url, data)
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.title == "Moved inside" and occurrence.is_edited


def test_member_rsvps_from_the_list_and_sees_the_answer(client, club):
    occurrence = EventOccurrenceFactory(club=club, title="Smoothie workshop")
    member = MembershipFactory(club=club).user
    client.force_login(member)
    list_url = reverse("events:event-list", args=[club.slug])
    response = client.post(
        reverse("events:event-rsvp", args=[club.slug, occurrence.pk]), {"going": "yes", "next": list_url}
    )
    assert response["Location"] == list_url
    assert Rsvp.objects.get(user=member).status == RsvpStatus.GOING
    html = client.get(list_url).content.decode()
    assert "You are going" in html and "See you there" in html


def test_rsvp_next_cannot_leave_the_site(client, club):
    occurrence = EventOccurrenceFactory(club=club)
    client.force_login(MembershipFactory(club=club).user)
    url = reverse("events:event-rsvp", args=[club.slug, occurrence.pk])
    for target in ("https://evil.example", "//evil.example/", "a\x00b", "not-a-path"):
        response = client.post(url, {"going": "yes", "next": target})
        assert response["Location"] == occurrence.get_absolute_url(), target


def test_leader_checks_a_member_in_and_out_and_htmx_gets_the_row(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(minutes=30))
    member = MembershipFactory(club=club).user
    RsvpFactory(occurrence=occurrence, user=member)
    client.force_login(leader)
    url = reverse("events:event-checkin", args=[club.slug, occurrence.pk])
    assert member.public_name in client.get(url).content.decode()
    response = client.post(url, {"member": member.pk, "action": "in"}, HTTP_HX_REQUEST="true")
    assert "Checked in" in response.content.decode() and "<html" not in response.content.decode()
    attendance = Attendance.objects.get(user=member, occurrence=occurrence)
    assert attendance.checked_in_by == leader
    client.post(url, {"member": member.pk, "action": "in"})  # a double tap changes nothing
    assert Attendance.objects.count() == 1
    response = client.post(url, {"member": member.pk, "action": "undo"})
    assert response["Location"] == f"{url}#member-{member.pk}"
    assert not Attendance.objects.exists()


def test_check_in_of_someone_outside_the_club_is_404(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(minutes=30))
    client.force_login(leader)
    url = reverse("events:event-checkin", args=[club.slug, occurrence.pk])
    assert client.post(url, {"member": UserFactory().pk}).status_code == 404
    assert not Attendance.objects.exists()


def test_attendance_history_for_the_member_and_for_leaders(client, club):
    member = MembershipFactory(club=club).user
    AttendanceFactory(
        user=member, occurrence=EventOccurrenceFactory(club=club, title="Spring walk", starts_in=-timedelta(days=5))
    )
    client.force_login(member)
    assert "Spring walk" in client.get(reverse("events:my-attendance")).content.decode()
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    html = client.get(reverse("events:member-attendance", args=[club.slug, member.pk])).content.decode()
    assert "Spring walk" in html and "1 event attended" in html


def test_club_home_shows_the_next_events(client, club):
    EventOccurrenceFactory(club=club, title="Next Tuesday meeting")
    EventOccurrenceFactory(club=club, title="Cancelled one", cancelled_at=timezone.now())
    client.force_login(MembershipFactory(club=club).user)
    html = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert "Next events" in html and "Next Tuesday meeting" in html and "Cancelled one" not in html


@pytest.mark.parametrize(
    "status", [MembershipStatus.PENDING, MembershipStatus.CANCELED, MembershipStatus.EXPIRED, None]
)
def test_places_and_links_never_reach_people_without_access(client, club, status):
    occurrence = EventOccurrenceFactory(club=club, title="Members night")
    user = UserFactory()
    if status:
        MembershipFactory(club=club, user=user, status=status)
    client.force_login(user)
    urls = [
        reverse("events:event-list", args=[club.slug]),
        reverse("events:event-archive", args=[club.slug]),
        occurrence.get_absolute_url(),
        reverse("events:event-ics", args=[club.slug, occurrence.pk]),
        reverse("clubs:club-home", args=[club.slug]),
        reverse("clubs:club-detail", args=[club.slug]),
        reverse("events:calendar-settings"),
    ]
    for url in urls:
        content = client.get(url, follow=True).content.decode()
        assert "Secret Garden Hall" not in content, url
        assert "meet.example.com" not in content, url


def test_another_clubs_event_answers_404(client, club, other_club):
    foreign = EventOccurrenceFactory(club=other_club)
    client.force_login(MembershipFactory(club=club).user)
    assert client.get(reverse("events:event-detail", args=[club.slug, foreign.pk])).status_code == 404
    assert client.get(reverse("events:event-ics", args=[club.slug, foreign.pk])).status_code == 404


def test_leader_cancels_a_date_from_the_page(client, club, django_capture_on_commit_callbacks):
    from django.core import mail

    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club)
    RsvpFactory(occurrence=occurrence, user=MembershipFactory(club=club).user)
    client.force_login(leader)
    url = reverse("events:event-cancel", args=[club.slug, occurrence.pk])
    assert "1 member going or on the waitlist will be told." in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    occurrence.refresh_from_db()
    assert occurrence.is_cancelled
    assert len(mail.outbox) == 1


def test_event_times_use_persian_digits_in_persian(client, club):
    member = MembershipFactory(
        club=club, plan=club.plans.first(), user=UserFactory(preferred_language="fa", time_zone="UTC")
    )
    starts_at = (timezone.now() + timedelta(days=3)).replace(hour=19, minute=0, second=0, microsecond=0)
    EventOccurrenceFactory(club=club, title="Morning walk", starts_at=starts_at)
    client.force_login(member.user)
    page = client.get(reverse("events:event-list", args=[club.slug])).content.decode()
    assert "Morning walk" in page
    # Persian digits on the page; only the machine-readable datetime="" keeps Latin ones.
    assert "۱۹:۰۰–۲۰:۰۰" in page  # noqa: RUF001


def _plan_event_at(client, club, *, day: str, at: str):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    return client.post(
        reverse("events:event-create", args=[club.slug]),
        {
            "title": "At the end of time",
            "start_date": day,
            "start_time": at,
            "end_time": "00:00" if at == "23:00" else "01:30",
            "place": "Room 2",
            "rsvp_hours_before": "0",
            "frequency": "once",
        },
    )


def test_event_on_9999_12_31_23_00_is_refused_with_a_message(client, club):
    # An hour later is the year 10000: OverflowError before the bound existed.
    response = _plan_event_at(client, club, day="9999-12-31", at="23:00")
    assert response.status_code == 200
    assert "Choose a date between" in response.context["form"].errors["start_date"][0]
    assert "Choose a date between" in response.content.decode()
    assert not EventOccurrence.objects.exists()


def test_event_on_0001_01_01_00_30_is_refused_with_a_message(client, club):
    # In Berlin (UTC+1) that is 0000-12-31 23:30 UTC: OverflowError before the bound existed.
    assert club.time_zone == "Europe/Berlin"
    response = _plan_event_at(client, club, day="0001-01-01", at="00:30")
    assert response.status_code == 200
    assert "Choose a date between" in response.context["form"].errors["start_date"][0]
    assert not EventOccurrence.objects.exists()


def test_event_form_states_its_date_range_on_the_input(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    html = client.get(reverse("events:event-create", args=[club.slug])).content.decode()
    ten_years = timezone.localdate().replace(year=timezone.localdate().year + 10)
    assert 'min="2000-01-01"' in html and f'max="{ten_years.isoformat()}"' in html


def test_schedule_service_refuses_a_date_at_the_calendars_end_without_the_form(club):
    from datetime import date, time

    from events.exceptions import ScheduleError
    from events.services.schedule import EventDetailsInput, EventTimingInput, RecurrenceInput, series_create

    for day, at in ((date(9999, 12, 31), time(23, 0)), (date(1, 1, 1), time(0, 30))):
        with pytest.raises(ScheduleError, match="Choose a date between"):
            series_create(
                club=club,
                actor=UserFactory(),
                details=EventDetailsInput(title="Edge", place="Room"),
                timing=EventTimingInput(start_date=day, start_time=at, end_time=time(1, 30)),
                recurrence=RecurrenceInput(),
            )
    assert not EventOccurrence.objects.exists()


def test_check_in_before_its_window_tells_the_leader_why_with_htmx(client, club):
    """The htmx button silently did nothing: the swapped-in row now says why."""
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(days=2))
    member = MembershipFactory(club=club).user
    client.force_login(leader)
    url = reverse("events:event-checkin", args=[club.slug, occurrence.pk])
    response = client.post(url, {"member": member.pk, "action": "in"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'role="alert"' in content and "Check-in opens two hours before the start." in content
    assert not Attendance.objects.exists()
    # Nothing is left queued to pop up later on another page.
    assert "Check-in opens two hours" not in client.get(url).content.decode()


def test_check_in_before_its_window_tells_the_leader_why_without_javascript(client, club):
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(days=2))
    member = MembershipFactory(club=club).user
    client.force_login(leader)
    url = reverse("events:event-checkin", args=[club.slug, occurrence.pk])
    response = client.post(url, {"member": member.pk, "action": "in"})
    assert response.status_code == 302 and response["Location"] == f"{url}#member-{member.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Check-in opens two hours before the start." in page
    assert not Attendance.objects.exists()


def test_event_cancel_asks_for_confirmation_before_cancelling(client, club):
    """An event is removed by cancelling it: the GET is the confirm page, only its POST cancels."""
    leader = UserFactory()
    club.leaders.add(leader)
    occurrence = EventOccurrenceFactory(club=club, starts_in=timedelta(days=2))
    client.force_login(leader)
    page = client.get(reverse("events:event-cancel", args=[club.slug, occurrence.pk]))
    assert page.status_code == 200 and '<form method="post"' in page.content.decode()
    occurrence.refresh_from_db()
    assert not occurrence.is_cancelled
