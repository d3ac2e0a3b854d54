"""Text that becomes an email header or a calendar line (issue 16).

Titles and names with line breaks are refused by forms, folded to one line by services, and cannot break a
send or a calendar even when an older row still holds one. Subjects are plain text, never HTML-escaped.
Every check parses the result back with an independent parser: the email package for headers, icalendar
for calendars.
"""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.text import SINGLE_LINE_MESSAGE, single_line
from events.models import EventOccurrence
from offers.models import DeliveryStatus, Offer, OfferDelivery, OfferKind, OfferSend, SendStatus
from offers.services.sending import offer_send_start
from tests.events.factories import EventOccurrenceFactory
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

BREAKS = ["Tea\r\nCake", "Tea\nCake", "Tea\rCake", "Tea\u2028Cake", "Tea\x85Cake", "Tea\x0bCake"]


def parsed(message) -> "email.message.EmailMessage":  # noqa: F821
    """The message as a mail client reads it: its bytes through the standard library's parser."""
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def subject_of(message) -> str:
    return str(parsed(message)["Subject"])


@pytest.fixture
def leader(club):
    user = UserFactory()
    club.leaders.add(user)
    return user


@pytest.mark.parametrize("text", BREAKS)
def test_single_line_folds_every_kind_of_line_break(text):
    assert single_line(text) == "Tea Cake"
    assert single_line(text).splitlines() == ["Tea Cake"]  # str.splitlines is the reference for "a line break"


# --- Offers ----------------------------------------------------------------------------------------


def offer_payload(title: str) -> dict:
    return {
        "title": title,
        "body": "With our nutritionist.",
        "kind": OfferKind.PRODUCT,
        "price": "30.00",
        "valid_from": "2026-01-01T09:00",
        "valid_until": "2030-01-01T09:00",
        "audience": "all",
    }


def test_offer_form_refuses_a_title_with_a_line_break(client, club, leader):
    client.force_login(leader)
    response = client.post(reverse("offers:offer-create", args=[club.slug]), offer_payload("Tea\r\nBcc: x@evil.test"))
    assert response.status_code == 200
    assert str(SINGLE_LINE_MESSAGE) in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_service_stores_the_title_on_one_line(club, leader):
    from offers.services.posting import offer_create

    data = {**offer_payload("Tea\r\nCake"), "valid_from": timezone.now(), "valid_until": None, "price_minor": 3000}
    offer = offer_create(club=club, actor=leader, data=data)
    assert offer.title == "Tea Cake"


def test_offer_with_crlf_title_sends_instead_of_500_and_stuck_sending(club, leader, django_capture_on_commit_callbacks):
    """An offer saved before forms refused line breaks: the send completes with a one-line subject."""
    member = MembershipFactory(club=club, plan=club.plans.first()).user
    offer = OfferFactory(club=club, title="Tea & Cake\r\nBcc: everyone@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    (message,) = mail.outbox
    headers = parsed(message)
    assert headers["Subject"] == "Healthy and Happy Club members: Tea & Cake Bcc: everyone@example.com"
    assert headers["Bcc"] is None and message.to == [member.email]
    assert OfferSend.objects.get().status == SendStatus.DONE
    assert OfferDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_header_error_fails_the_delivery_visibly_instead_of_leaving_the_send_stuck(
    club, leader, monkeypatch, django_capture_on_commit_callbacks
):
    from offers.services import sending

    MembershipFactory(club=club, plan=club.plans.first())
    offer = OfferFactory(club=club, title="Tea")
    real_offer_email = sending.offer_email

    def broken_header(**kwargs):
        message = real_offer_email(**kwargs)
        message.extra_headers["X-Broken"] = "one\r\ntwo"  # any header the email package refuses
        return message

    monkeypatch.setattr(sending, "offer_email", broken_header)
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    assert mail.outbox == []
    delivery = OfferDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error.startswith("the email could not be built")
    assert OfferSend.objects.get().status == SendStatus.DONE  # finished, its "Failed" count shows the one


def test_offer_subject_and_list_id_stay_one_line_for_a_club_name_with_a_break(
    club, leader, django_capture_on_commit_callbacks
):
    MembershipFactory(club=club, plan=club.plans.first())
    type(club).objects.filter(pk=club.pk).update(name="Tea\nClub")
    club.refresh_from_db()
    offer = OfferFactory(club=club, title="Cake")
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    headers = parsed(mail.outbox[0])
    assert headers["Subject"] == "Tea Club members: Cake"
    assert str(headers["List-Id"]).startswith("Tea Club offers <")


# --- Events and calendars ------------------------------------------------------------------------


def event_payload(title: str) -> dict:
    return {
        "title": title,
        "description": "Bring water.",
        "start_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "start_time": "19:00",
        "end_time": "20:30",
        "place": "Room 2",
        "online_url": "",
        "capacity": "10",
        "rsvp_hours_before": "2",
        "frequency": "once",
    }


def test_event_form_refuses_a_title_with_a_line_break(client, club, leader):
    client.force_login(leader)
    response = client.post(reverse("events:event-create", args=[club.slug]), event_payload("Run\nX-Injected: 1"))
    assert response.status_code == 200
    assert str(SINGLE_LINE_MESSAGE) in response.content.decode()
    assert not EventOccurrence.objects.exists()


def test_event_service_stores_the_title_on_one_line(club, leader):
    from events.services.schedule import EventDetailsInput, EventTimingInput, RecurrenceInput, series_create

    series = series_create(
        club=club,
        actor=leader,
        details=EventDetailsInput(title="Morning\r\nrun", place="Park"),
        timing=EventTimingInput(
            start_date=timezone.localdate() + timedelta(days=7),
            start_time=timezone.datetime(2000, 1, 1, 19).time(),
            end_time=timezone.datetime(2000, 1, 1, 20).time(),
        ),
        recurrence=RecurrenceInput(),
    )
    assert series.title == "Morning run"
    assert {o.title for o in series.occurrences.all()} == {"Morning run"}


def test_event_ics_with_a_newline_in_the_title_parses_back_instead_of_500(client, club):
    member = MembershipFactory(club=club, plan=club.plans.first()).user
    occurrence = EventOccurrenceFactory(club=club, title="Tea\nCake", place="Hall\r\n2")
    client.force_login(member)
    client.raise_request_exception = False
    response = client.get(reverse("events:event-ics", args=[club.slug, occurrence.pk]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Tea Cake"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Tea Cake · Healthy and Happy Club"
    assert str(event["LOCATION"]) == "Hall 2"


def test_calendar_feed_with_a_newline_in_a_title_parses_back(client, club):
    from events.services.calendars import calendar_token_issue

    member = MembershipFactory(club=club, plan=club.plans.first()).user
    EventOccurrenceFactory(club=club, title="Line\r\nbreak")
    token = calendar_token_issue(user=member)
    client.raise_request_exception = False
    response = client.get(reverse("events:calendar-feed", args=[token.token]))
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Line break · ")


# --- Names ---------------------------------------------------------------------------------------


def test_profile_form_refuses_a_display_name_with_a_line_break(client):
    user = UserFactory(display_name="Ada")
    client.force_login(user)
    response = client.post(reverse("members:profile"), {"display_name": "Ada\r\nBcc: x@evil.test", "time_zone": "UTC"})
    assert response.status_code == 200
    assert str(SINGLE_LINE_MESSAGE) in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Ada"


def test_profile_service_stores_the_display_name_on_one_line():
    from members.services import user_profile_update

    user = user_profile_update(user=UserFactory(), data={"display_name": "Ada\nLovelace"})
    assert user.display_name == "Ada Lovelace"


def test_club_and_plan_names_with_a_line_break_are_refused_where_staff_edit_them(club):
    from django.core.exceptions import ValidationError

    club.name = "Tea\r\nClub"
    with pytest.raises(ValidationError) as refused:
        club.full_clean()
    assert refused.value.message_dict["name"] == [str(SINGLE_LINE_MESSAGE)]
    plan = club.plans.first()
    plan.name = "Monthly\nBcc: x"
    with pytest.raises(ValidationError) as refused:
        plan.full_clean()
    assert refused.value.message_dict["name"] == [str(SINGLE_LINE_MESSAGE)]


# --- Subjects are plain text -----------------------------------------------------------------------


@pytest.fixture
def tea_club(club):
    type(club).objects.filter(pk=club.pk).update(name="Tea & Cake <Club>")
    club.refresh_from_db()
    return club


def test_offer_subject_is_not_html_escaped(tea_club, leader, django_capture_on_commit_callbacks):
    MembershipFactory(club=tea_club, plan=tea_club.plans.first())
    offer = OfferFactory(club=tea_club, title="Scones & \"jam\" for 'you'")
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    assert subject_of(mail.outbox[0]) == "Tea & Cake <Club> members: Scones & \"jam\" for 'you'"


def test_payment_failed_subject_is_not_html_escaped(tea_club):
    from billing.models import Invoice, StripeCustomer, Subscription
    from billing.services.notifications import payment_failed_notify

    membership = MembershipFactory(club=tea_club, plan=tea_club.plans.first())
    customer = StripeCustomer.objects.create(user=membership.user, stripe_customer_id="cus_tea")
    subscription = Subscription.objects.create(
        stripe_subscription_id="sub_tea",
        membership=membership,
        customer=customer,
        plan=membership.plan,
        status="past_due",
    )
    invoice = Invoice.objects.create(
        stripe_invoice_id="in_tea",
        customer=customer,
        subscription=subscription,
        status="open",
        currency="usd",
        stripe_created=timezone.now(),
    )
    assert payment_failed_notify(invoice_pk=invoice.pk)
    assert subject_of(mail.outbox[0]) == "Your payment for Tea & Cake <Club> did not go through"


def test_nps_subject_is_not_html_escaped(tea_club):
    from analytics.services.nps import nps_survey_email
    from tests.analytics.factories import NpsSurveyFactory

    survey = NpsSurveyFactory(membership=MembershipFactory(club=tea_club, plan=tea_club.plans.first()))
    assert nps_survey_email(survey_pk=survey.pk)
    assert subject_of(mail.outbox[0]) == "How likely are you to recommend Tea & Cake <Club>?"


def test_event_email_subjects_are_not_html_escaped(tea_club):
    from events.services.notifications import occurrence_cancellation_notify
    from tests.events.factories import RsvpFactory

    occurrence = EventOccurrenceFactory(club=tea_club, title='Tea & "Cake"\nnight')
    RsvpFactory(occurrence=occurrence, user=MembershipFactory(club=tea_club, plan=tea_club.plans.first()).user)
    EventOccurrence.objects.filter(pk=occurrence.pk).update(cancelled_at=timezone.now())
    occurrence_cancellation_notify(occurrence_pk=occurrence.pk)
    assert subject_of(mail.outbox[0]).startswith('Cancelled: Tea & "Cake" night on ')


def test_digest_subject_is_one_plain_line(club):
    from feed import services
    from tests.feed.factories import AchievementFactory, CheerFactory, member_of

    post = AchievementFactory(club=club, author=member_of(club))
    CheerFactory(achievement=post, user=member_of(club))
    assert services.activity_digest_send(user_id=post.author.pk) == 1
    assert subject_of(mail.outbox[0]) == "Your achievements: 1 new cheer or comment"


def test_automation_subject_is_not_html_escaped(tea_club, django_capture_on_commit_callbacks):
    from automations.models import AutomationKind
    from automations.services.triggers import automation_run_kind

    MembershipFactory(club=tea_club, plan=tea_club.plans.first(), started_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert automation_run_kind(club=tea_club, kind=AutomationKind.WELCOME, now=timezone.now()) == 1
    assert subject_of(mail.outbox[0]) == "Welcome to Tea & Cake <Club>"


def test_every_subject_template_turns_autoescape_off():
    """A new *_subject.txt that forgets it would send "&amp;" to every inbox."""
    from pathlib import Path

    from django.conf import settings

    templates = sorted((Path(settings.BASE_DIR) / "templates").rglob("*subject*.txt"))
    assert templates
    for template in templates:
        assert "{% autoescape off %}" in template.read_text(), template
