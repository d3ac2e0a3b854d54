"""notification_send and the preferences: stored once, only to people with access, emailed per choice."""

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from clubs.models import MembershipStatus
from core.exceptions import DomainError
from notifications.models import Notification, NotificationPreference
from notifications.selectors import email_choices_for, users_wanting_email_now
from notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
    preferences_set,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def send(club, user_ids, kind="offer_new", **params):
    return notification_send(
        kind=kind,
        user_ids=user_ids,
        club=club,
        params={"offer_id": 7, "offer_title": "Tea for two", **params},
        url="/clubs/x/",
    )


def test_send_stores_one_unread_notification_per_user(club, member_of):
    alice, bob = member_of(club), member_of(club)
    assert send(club, [alice.pk, bob.pk]) == 2
    rows = Notification.objects.order_by("user_id")
    assert [(row.user_id, row.kind, row.read_at) for row in rows] == [
        (alice.pk, "offer_new", None),
        (bob.pk, "offer_new", None),
    ]
    assert rows[0].params["club_name"] == club.name


def test_sending_the_same_happening_twice_stores_it_once(club, member_of):
    alice = member_of(club)
    assert send(club, [alice.pk, alice.pk]) == 1
    assert send(club, [alice.pk]) == 0
    assert send(club, [alice.pk], offer_id=8) == 1  # another offer is another happening
    assert Notification.objects.filter(user=alice).count() == 2


def test_the_actor_is_never_notified_of_their_own_action(club, member_of):
    alice, bob = member_of(club), member_of(club)
    stored = notification_send(
        kind="cheer",
        user_ids=[alice.pk, bob.pk],
        club=club,
        params={"achievement_id": 1, "actor_id": bob.pk, "actor_name": "Bob"},
        url="/",
        actor_id=bob.pk,
    )
    assert stored == 1
    assert list(Notification.objects.values_list("user_id", flat=True)) == [alice.pk]


def test_only_people_who_may_enter_the_club_are_notified(club, other_club, member_of):
    member = member_of(club)
    lapsed = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED).user
    pending = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.PENDING).user
    leader = UserFactory()
    club.leaders.add(leader)
    stranger = UserFactory()
    other_member = member_of(other_club)
    ids = [member.pk, lapsed.pk, pending.pk, leader.pk, stranger.pk, other_member.pk]
    assert send(club, ids) == 2
    assert set(Notification.objects.values_list("user_id", flat=True)) == {member.pk, leader.pk}


def test_a_failed_payment_reaches_the_payer_whatever_their_access(club):
    past_grace = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED).user
    notification_send(kind="payment_failed", user_ids=[past_grace.pk], club=club, params={"invoice_id": 1}, url="/")
    assert Notification.objects.filter(user=past_grace, kind="payment_failed").exists()


def test_a_link_to_another_site_is_refused(club, member_of):
    with pytest.raises(ValueError):
        notification_send(
            kind="offer_new", user_ids=[member_of(club).pk], club=club, params={}, url="https://evil.example/"
        )
    assert not Notification.objects.exists()


def test_an_unknown_kind_is_refused(club, member_of):
    with pytest.raises(ValueError):
        notification_send(kind="nonsense", user_ids=[member_of(club).pk], club=club, params={}, url="/")


def test_the_text_is_rendered_in_the_viewers_language(club, member_of):
    alice = member_of(club)
    notification_send(
        kind="event_cancelled",
        user_ids=[alice.pk],
        club=club,
        params={"occurrence_id": 3, "event_title": "Run"},
        url="/",
    )
    notification = Notification.objects.get()
    expected = {}
    for language in ("en", "de", "ar", "fa"):
        with translation.override(language):
            expected[language] = translation.gettext("%(event)s was cancelled.") % {"event": "Run"}
            assert notification.text == expected[language]
    assert expected["en"] == "Run was cancelled."


def test_a_renderer_never_fails_on_missing_params(club, member_of):
    alice = member_of(club)
    for kind in (
        "reply",
        "cheer",
        "waitlist_promoted",
        "event_changed",
        "event_cancelled",
        "offer_new",
        "announcement_new",
        "payment_failed",
    ):
        Notification.objects.create(user=alice, kind=kind, key="x", params={})
    Notification.objects.create(user=alice, kind="retired_kind", key="x", params={"a": 1})
    Notification.objects.create(user=alice, kind="event_changed", key="y", params={"changed": "not a list"})
    assert all(isinstance(row.text, str) and row.text for row in Notification.objects.all())


def test_event_changed_names_what_changed():
    from notifications.kinds import notification_text

    with translation.override("en"):
        text = notification_text(
            kind="event_changed", params={"event_title": "Run", "changed": ["time", "place", "bogus"]}
        )
    assert text == "Run has changed: time, place."


# --- Email per choice -------------------------------------------------------------------------------------


def test_users_wanting_email_now_follow_their_choice_else_the_kinds_default(club, member_of):
    default, immediately, never, digest = (member_of(club) for _ in range(4))
    NotificationPreference.objects.create(user=immediately, kind="offer_new", email="immediately")
    NotificationPreference.objects.create(user=never, kind="announcement_new", email="never")
    NotificationPreference.objects.create(user=digest, kind="announcement_new", email="digest")
    everyone = [default.pk, immediately.pk, never.pk, digest.pk]
    # offer_new defaults to never (the offer email itself comes from "Send to members").
    assert users_wanting_email_now(user_ids=everyone, kind="offer_new") == [immediately.pk]
    # announcement_new defaults to immediately.
    assert users_wanting_email_now(user_ids=everyone, kind="announcement_new") == sorted([default.pk, immediately.pk])
    assert users_wanting_email_now(user_ids=[], kind="offer_new") == []


def test_users_wanting_email_now_is_one_query(club, member_of, django_assert_num_queries):
    ids = [member_of(club).pk for _ in range(5)]
    with django_assert_num_queries(1):
        users_wanting_email_now(user_ids=ids, kind="announcement_new")


def test_an_immediate_choice_gets_one_generic_email_with_one_click_unsubscribe(
    club, member_of, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://testserver"
    alice = member_of(club, preferred_language="de")
    NotificationPreference.objects.create(user=alice, kind="offer_new", email="immediately")
    with django_capture_on_commit_callbacks(execute=True):
        send(club, [alice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        send(club, [alice.pk])  # the same happening again: no second email
    assert len(mail.outbox) == 1
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    with translation.override("de"):
        expected_subject = translation.gettext("New member offer at %(club)s: %(offer)s") % {
            "club": club.name,
            "offer": "Tea for two",
        }
    assert parsed["Subject"] == expected_subject
    assert parsed["X-Returnpath-Category"] == "notifications"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(parsed["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe.startswith("https://testserver/notifications/email/unsubscribe/")
    text = parsed.get_body(("plain",)).get_content()
    assert "https://testserver/clubs/x/" in text
    assert Notification.objects.get(user=alice).emailed_at is not None


def test_the_one_click_unsubscribe_turns_off_that_kinds_email_only(
    client, club, member_of, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://testserver"
    alice = member_of(club)
    preferences_set(user=alice, choices={"offer_new": "immediately", "reply": "immediately"})
    with django_capture_on_commit_callbacks(execute=True):
        send(club, [alice.pk])
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix("https://testserver")
    assert client.get(unsubscribe).status_code == 200  # GET only asks
    assert email_choices_for(user=alice)["offer_new"] == "immediately"
    response = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    choices = email_choices_for(user=alice)
    assert (choices["offer_new"], choices["reply"]) == ("never", "immediately")


def test_a_forged_unsubscribe_token_changes_nothing(client, club, member_of):
    alice = member_of(club)
    preferences_set(user=alice, choices={"offer_new": "immediately"})
    response = client.post(reverse("notifications:email-unsubscribe", args=["forged"]))
    assert response.status_code == 400
    assert email_choices_for(user=alice)["offer_new"] == "immediately"


def test_own_email_kinds_get_no_second_email_from_notifications(club, member_of, django_capture_on_commit_callbacks):
    alice = member_of(club)  # announcement_new defaults to immediately, and its app sends the email
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            kind="announcement_new",
            user_ids=[alice.pk],
            club=club,
            params={"announcement_id": 1, "title": "Hi"},
            url="/",
        )
    assert mail.outbox == []
    assert Notification.objects.get(user=alice).emailed_at is not None  # its app emailed it: no digest repeats it


def test_never_sends_no_email(club, member_of, django_capture_on_commit_callbacks):
    alice = member_of(club)
    with django_capture_on_commit_callbacks(execute=True):
        send(club, [alice.pk])  # offer_new: never by default
    assert mail.outbox == []


# --- Read state and preferences -------------------------------------------------------------------------------


def test_mark_read_and_mark_all_read_touch_only_the_users_own(club, member_of):
    alice, bob = member_of(club), member_of(club)
    send(club, [alice.pk, bob.pk], offer_id=1)
    send(club, [alice.pk, bob.pk], offer_id=2)
    first = Notification.objects.filter(user=alice).first()
    notification_mark_read(notification=first, user=alice)
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1
    with pytest.raises(DomainError):
        notification_mark_read(notification=Notification.objects.filter(user=bob).first(), user=alice)
    assert notification_mark_all_read(user=alice) == 1
    assert notification_mark_all_read(user=alice) == 0
    assert Notification.objects.filter(user=bob, read_at__isnull=True).count() == 2


def test_preferences_refuse_an_unknown_choice_and_change_nothing(club, member_of):
    alice = member_of(club)
    with pytest.raises(DomainError):
        preferences_set(user=alice, choices={"reply": "digest", "offer_new": "hourly"})
    with pytest.raises(DomainError):
        preferences_set(user=alice, choices={"made_up": "never"})
    assert not NotificationPreference.objects.exists()
    preferences_set(user=alice, choices={"reply": "digest"})
    preferences_set(user=alice, choices={"reply": "never"})
    assert list(NotificationPreference.objects.values_list("kind", "email")) == [("reply", "never")]
