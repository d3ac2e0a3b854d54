"""The daily digest: each notification chosen for it is told once, and the email parses back."""

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation

from notifications.models import Notification
from notifications.selectors import digest_user_ids
from notifications.services import digest_send, notification_send, preferences_set
from notifications.tasks import send_notification_digests

pytestmark = pytest.mark.django_db


def reply(club, user, comment_id: int, actor="Bea", excerpt="Great run!"):
    notification_send(
        kind="reply",
        user_ids=[user.pk],
        club=club,
        params={"comment_id": comment_id, "actor_name": actor, "excerpt": excerpt},
        url=f"/clubs/{club.slug}/feed/{comment_id}/",
    )


def parsed(message):
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def test_the_digest_task_is_in_beat_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-digest"]
    assert entry["task"] == "notifications.tasks.send_notification_digests"
    assert entry["schedule"].hour == {17} and entry["schedule"].minute == {45}


def test_the_digest_tells_each_notification_once(club, member_of):
    alice = member_of(club)
    preferences_set(user=alice, choices={"reply": "digest"})
    reply(club, alice, 1)
    reply(club, alice, 2, actor="Carl", excerpt="Well done")
    assert send_notification_digests.delay().get() == 1
    assert send_notification_digests.delay().get() == 0  # nothing new: nobody queued
    assert digest_send(user_id=alice.pk) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=alice, digested_at__isnull=True).count() == 0
    reply(club, alice, 3)
    assert digest_send(user_id=alice.pk) == 1  # only the new one
    assert len(mail.outbox) == 2
    assert "Great run!" in mail.outbox[1].body and "Well done" not in mail.outbox[1].body


def test_the_digest_email_parses_back_with_every_notification_and_link(club, member_of, settings):
    settings.SITE_URL = "https://testserver"
    alice = member_of(club, preferred_language="fa")
    preferences_set(user=alice, choices={"reply": "digest"})
    reply(club, alice, 1)
    reply(club, alice, 2, actor="Carl", excerpt="Well done")
    assert digest_send(user_id=alice.pk) == 2
    message = parsed(mail.outbox[0])
    with translation.override("fa"):
        texts = [
            translation.gettext("%(actor)s commented on your post: “%(excerpt)s”") % values
            for values in ({"actor": "Bea", "excerpt": "Great run!"}, {"actor": "Carl", "excerpt": "Well done"})
        ]
        subject = translation.ngettext(
            "Your daily digest: %(count)s new notification", "Your daily digest: %(count)s new notifications", 2
        ) % {"count": "۲"}
    # A long encoded subject may be folded onto the line after "Subject:"; the parsed value then starts with the
    # fold's space, which mail clients drop too.
    assert message["Subject"].lstrip() == subject
    assert message["X-Returnpath-Category"] == "notifications"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, re.sub(r"</?bdi>", "", html)):  # the HTML isolates each name in a <bdi>
        assert texts[0] in body
        assert f"https://testserver/clubs/{club.slug}/feed/1/" in body
        assert f"https://testserver/clubs/{club.slug}/feed/2/" in body
    assert text.index(texts[0]) < text.index(texts[1])  # oldest first


def test_the_digest_leaves_out_kinds_not_chosen_for_it_and_those_already_emailed(
    club, member_of, django_capture_on_commit_callbacks
):
    alice = member_of(club)
    preferences_set(user=alice, choices={"reply": "digest", "offer_new": "immediately", "cheer": "never"})
    reply(club, alice, 1)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(kind="offer_new", user_ids=[alice.pk], club=club, params={"offer_id": 1}, url="/")
    notification_send(
        kind="cheer", user_ids=[alice.pk], club=club, params={"achievement_id": 1, "actor_id": 9}, url="/"
    )
    mail.outbox.clear()
    assert digest_send(user_id=alice.pk) == 1
    assert Notification.objects.get(kind="reply").digested_at is not None
    assert Notification.objects.get(kind="cheer").digested_at is None


def test_nobody_without_a_digest_choice_is_queued(club, member_of):
    alice, bob = member_of(club), member_of(club)
    preferences_set(user=alice, choices={"reply": "digest"})
    reply(club, alice, 1)
    reply(club, bob, 2)  # reply: never by default
    assert digest_user_ids() == [alice.pk]


def test_an_old_notification_is_not_dug_up_by_a_later_digest_choice(club, member_of):
    alice = member_of(club)
    reply(club, alice, 1)
    Notification.objects.update(created_at=timezone.now() - timedelta(days=10))
    preferences_set(user=alice, choices={"reply": "digest"})
    assert digest_send(user_id=alice.pk) == 0
    assert mail.outbox == []


def test_the_digest_unsubscribe_turns_off_every_kind_in_the_digest(client, club, member_of, settings):
    settings.SITE_URL = "https://testserver"
    alice = member_of(club)
    preferences_set(user=alice, choices={"reply": "digest", "cheer": "digest", "offer_new": "immediately"})
    reply(club, alice, 1)
    digest_send(user_id=alice.pk)
    target = str(parsed(mail.outbox[0])["List-Unsubscribe"]).strip().strip("<>").removeprefix("https://testserver")
    assert client.post(target).status_code == 200
    from notifications.selectors import email_choices_for

    choices = email_choices_for(user=alice)
    assert (choices["reply"], choices["cheer"], choices["offer_new"]) == ("never", "never", "immediately")
