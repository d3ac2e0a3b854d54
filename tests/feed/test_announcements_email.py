"""Announcement emails and notifications (issue 21): once per member, only to members who want club news and,
for this kind, an email now; the club's weekly limit (not the offer cap); one-click unsubscribe.

Messages are parsed back with the standard library's email package; the expected recipients are written out
in each test, never computed by the code under test.
"""

import re
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from clubs.models import Club, MembershipStatus
from feed import services
from feed.exceptions import FeedError
from feed.models import Announcement, AnnouncementDelivery, AnnouncementEmail
from members.models import EmailSuppression
from notifications.models import Notification, NotificationPreference
from tests.factories import MembershipFactory, PlanFactory, UserFactory
from tests.feed.factories import AnnouncementFactory, leader_of, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sending_settings(settings):
    settings.SITE_URL = "https://testserver"
    settings.DEFAULT_FROM_EMAIL = "Returnpath <noreply@mail.returnpath.app>"
    settings.ANNOUNCEMENT_EMAILS_PER_WEEK = 2
    return settings


@pytest.fixture
def leader(club):
    return leader_of(club, email="lea@example.org")


@pytest.fixture
def people(club, other_club):
    """One of each kind of person around the club, by name."""
    wants = member_of(club, email="wants@example.org")
    no_news = member_of(club, email="no-news@example.org", email_club_news=False)
    never = member_of(club, email="never@example.org")
    NotificationPreference.objects.create(user=never, kind="announcement_new", email="never")
    digest = member_of(club, email="digest@example.org")
    NotificationPreference.objects.create(user=digest, kind="announcement_new", email="digest")
    lapsed = UserFactory(email="lapsed@example.org")
    MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED, user=lapsed)
    PlanFactory(club=other_club, name="Monthly")
    elsewhere = member_of(other_club, email="elsewhere@example.org")
    return {"wants": wants, "no_news": no_news, "never": never, "digest": digest, "lapsed": lapsed, "other": elsewhere}


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _post(club, leader, callbacks, **kwargs):
    with callbacks(execute=True):
        return services.announcement_create(
            club=club, author=leader, title=kwargs.pop("title", "Park run moves"), text="Saturday at 9.", **kwargs
        )


def test_announcement_email_goes_once_to_members_who_want_club_news_and_an_email_now(
    club, leader, people, django_capture_on_commit_callbacks
):
    announcement = _post(club, leader, django_capture_on_commit_callbacks, send_email=True)
    assert _recipients() == ["wants@example.org"]
    # Everyone who may enter (but the author) is told in the site; nobody without access is.
    told = set(Notification.objects.filter(kind="announcement_new").values_list("user__email", flat=True))
    assert told == {"wants@example.org", "no-news@example.org", "never@example.org", "digest@example.org"}

    # A retried or duplicated task sends nothing more.
    from feed.tasks import announcement_published

    assert announcement_published(announcement.pk, True) == 0
    assert services.announcement_emails_send(announcement_id=announcement.pk) == 0
    assert _recipients() == ["wants@example.org"]
    assert Notification.objects.filter(kind="announcement_new").count() == 4


def test_posted_without_email_tells_the_club_in_the_site_only(club, leader, people, django_capture_on_commit_callbacks):
    _post(club, leader, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Notification.objects.filter(kind="announcement_new").count() == 4
    assert not AnnouncementDelivery.objects.exists()


def test_announcement_email_is_valid_mime_with_one_click_unsubscribe_and_a_stable_message_id(
    club, leader, people, django_capture_on_commit_callbacks, client
):
    announcement = _post(club, leader, django_capture_on_commit_callbacks, send_email=True, title="Tea & cake")
    (sent,) = mail.outbox
    parsed = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Healthy and Happy Club: Tea & cake"
    assert parsed["From"].addresses[0].display_name == "Healthy and Happy Club"
    assert parsed["X-Returnpath-Category"] == "announcements"
    assert parsed["Message-ID"] == f"<announcement-{announcement.pk}-{people['wants'].pk}@mail.returnpath.app>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(https://[^>]+)>", str(parsed["List-Unsubscribe"])).group(1)
    assert unsubscribe.startswith("https://testserver/")
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "Saturday at 9." in text and "Saturday at 9." in html
    assert f"https://testserver/clubs/{club.slug}/announcements/{announcement.pk}/" in text
    assert "Tea &amp; cake" in html

    response = client.post(urlsplit(unsubscribe).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    people["wants"].refresh_from_db()
    assert people["wants"].email_club_news is False


def test_the_weekly_offer_cap_does_not_apply_to_announcements(club, leader, people, django_capture_on_commit_callbacks):
    Club.objects.filter(pk=club.pk).update(max_offer_emails_per_week=0)
    club.refresh_from_db()
    _post(club, leader, django_capture_on_commit_callbacks, send_email=True)
    assert _recipients() == ["wants@example.org"]


def test_a_suppressed_address_is_skipped_and_never_retried(club, leader, people, django_capture_on_commit_callbacks):
    EmailSuppression.objects.create(email="wants@example.org", reason="bounce")
    announcement = _post(club, leader, django_capture_on_commit_callbacks, send_email=True)
    assert mail.outbox == []
    delivery = AnnouncementDelivery.objects.get(announcement=announcement)
    assert delivery.status == "skipped"
    assert services.announcement_emails_send(announcement_id=announcement.pk) == 0


def test_a_failed_send_is_retried_and_nobody_gets_two(club, leader, people, monkeypatch):
    second = member_of(club, email="second@example.org")
    announcement = AnnouncementFactory(club=club, author=leader)
    AnnouncementEmail.objects.create(club=club, announcement=announcement, requested_by=leader)
    real_send = EmailBackend.send_messages

    def failing(self, messages):
        if any("second@example.org" in message.to for message in messages):
            raise ConnectionError("SMTP went away")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", failing)
    with pytest.raises(ConnectionError):
        services.announcement_emails_send(announcement_id=announcement.pk)
    assert _recipients() == ["wants@example.org"]
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert services.announcement_emails_send(announcement_id=announcement.pk) == 1
    assert _recipients() == ["second@example.org", "wants@example.org"]
    assert AnnouncementDelivery.objects.get(user=second).status == "sent"


# --- The club's weekly limit ------------------------------------------------------------------------------


def test_over_the_weekly_limit_the_post_is_refused_with_a_clear_message_and_nothing_changes(
    client, club, leader, people, django_capture_on_commit_callbacks
):
    for title in ("One", "Two"):
        _post(club, leader, django_capture_on_commit_callbacks, send_email=True, title=title)
    mail.outbox.clear()
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("feed:announcement-create", args=[club.slug]),
            {"title": "Three", "text": "Too many", "send_email": "on", "pinned": "on"},
        )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "This club already emailed 2 announcements in the last 7 days, the most it may." in errors
    assert not Announcement.objects.filter(title="Three").exists()
    assert AnnouncementEmail.objects.count() == 2
    assert mail.outbox == []
    # Posting it without email still works.
    response = client.post(
        reverse("feed:announcement-create", args=[club.slug]), {"title": "Three", "text": "Too many"}
    )
    assert response.status_code == 302 and Announcement.objects.filter(title="Three").exists()


def test_deleting_an_emailed_announcement_does_not_free_its_place(club, leader, django_capture_on_commit_callbacks):
    for title in ("One", "Two"):
        announcement = _post(club, leader, django_capture_on_commit_callbacks, send_email=True, title=title)
        services.announcement_delete(announcement=announcement, actor=leader)
    with pytest.raises(FeedError):
        services.announcement_create(club=club, author=leader, title="Three", text="x", send_email=True)
    assert not Announcement.objects.exists()


def test_emails_older_than_seven_days_no_longer_count(club, leader):
    now = timezone.now()
    for days in (8, 9):
        AnnouncementEmail.objects.create(club=club, requested_by=leader, requested_at=now - timedelta(days=days))
    AnnouncementEmail.objects.create(club=club, requested_by=leader, requested_at=now - timedelta(days=6))
    assert services.announcement_emails_left(club=club, now=now) == (1, None)
    services.announcement_create(club=club, author=leader, title="Ok", text="x", send_email=True, now=now)
    left, frees_at = services.announcement_emails_left(club=club, now=now)
    assert (left, frees_at) == (0, now - timedelta(days=6) + timedelta(days=7))


def test_the_limit_is_per_club(club, other_club, leader):
    for title in ("One", "Two"):
        services.announcement_create(club=club, author=leader, title=title, text="x", send_email=True)
    elsewhere = leader_of(other_club)
    services.announcement_create(club=other_club, author=elsewhere, title="Theirs", text="x", send_email=True)
    assert AnnouncementEmail.objects.filter(club=other_club).count() == 1


def test_email_an_announcement_later_once_from_its_page(
    client, club, leader, people, django_capture_on_commit_callbacks
):
    announcement = _post(club, leader, django_capture_on_commit_callbacks)
    client.force_login(leader)
    url = reverse("feed:announcement-email", args=[club.slug, announcement.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert _recipients() == ["wants@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "This announcement was already emailed to the members." in response.content.decode()
    assert _recipients() == ["wants@example.org"]
    assert AnnouncementEmail.objects.count() == 1
