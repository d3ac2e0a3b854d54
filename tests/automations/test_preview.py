"""Leaders see before they send (issue 19): every automation kind previewed in each language the club's
members use, and sent to the leader as a marked, rate-limited test through the one pipeline."""

import uuid
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from automations.models import AutomationKind
from core.formatting import format_number
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def multilingual_club(club):
    """Members with access prefer de and ar; a lapsed member's fa does not count; the club default is en."""
    for language in ("de", "ar", "de"):
        MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language=language))
    MembershipFactory(club=club, plan=club.plans.first(), status="canceled", user=UserFactory(preferred_language="fa"))
    return club


SUBJECT_MSGIDS = {
    "welcome": "Welcome to %(club)s",
    "welcome_nudge": "Your first week in %(club)s",
    "renewal_reminder": "Your %(club)s membership renews soon",
    "upgrade_nudge": "Save with a longer %(club)s plan",
    "inactivity": "We miss you at %(club)s",
    "win_back": "Come back to %(club)s: %(percent)s%% off",
    "birthday": "Happy birthday from %(club)s",
    "after_event": "Share what you achieved at %(club)s",
}


def reference_subject(kind: str, club, language: str, percent: int = 0) -> str:
    # The reference: the catalog's translation of the msgid, filled in here, not by the sender.
    with translation.override(language):
        return translation.gettext(SUBJECT_MSGIDS[kind]) % {
            "club": club.name,
            "percent": format_number(percent),
        }


@pytest.mark.parametrize("kind", AutomationKind.values)
def test_every_automation_kind_previews_in_each_language_members_use(actor_client, multilingual_club, kind):
    client, _leader = actor_client("leader")
    club = multilingual_club
    response = client.get(reverse("automations:automation-preview", args=[club.slug, kind]))
    assert response.status_code == 200
    previews = response.context["previews"]
    assert [preview["language"] for preview in previews] == ["en", "ar", "de"]
    from automations.selectors import automation_settings_for

    percent = automation_settings_for(club=club).win_back_stage1_percent
    for preview in previews:
        assert preview["subject"] == reference_subject(kind, club, preview["language"], percent)
        assert preview["text"].strip()
        frame = client.get(reverse("automations:automation-preview-frame", args=[club.slug, kind, preview["language"]]))
        assert frame.status_code == 200
        assert frame["Content-Security-Policy"].startswith("sandbox ")
        assert "script-src" not in frame["Content-Security-Policy"]
        assert f'lang="{preview["language"]}"' in frame.content.decode()


def test_preview_of_unknown_kind_or_language_is_404(actor_client, club):
    client, _leader = actor_client("leader")
    assert client.get(reverse("automations:automation-preview", args=[club.slug, "nope"])).status_code == 404
    frame = reverse("automations:automation-preview-frame", args=[club.slug, "welcome", "xx"])
    assert client.get(frame).status_code == 404


def test_send_me_a_test_sends_the_leader_a_marked_copy(actor_client, multilingual_club):
    client, leader = actor_client("leader")
    club = multilingual_club
    mail.outbox.clear()
    url = reverse("automations:automation-test", args=[club.slug, AutomationKind.WIN_BACK])
    response = client.post(url, {"language": "de"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[leader.email]]
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    with translation.override("de"):
        marker = translation.gettext("[Test] %(subject)s")
    from automations.selectors import automation_settings_for

    percent = automation_settings_for(club=club).win_back_stage1_percent
    # .strip(): Python's compat32 folding puts a long encoded subject on its own line ("Subject: \n =?utf-8?...").
    assert parsed["Subject"].strip() == marker % {"subject": reference_subject("win_back", club, "de", percent)}
    assert parsed["X-Returnpath-Test"] == "1"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["List-Unsubscribe"].strip().startswith("<https://")


def test_send_me_a_test_without_a_language_sends_nothing(actor_client, club):
    client, _leader = actor_client("leader")
    mail.outbox.clear()
    response = client.post(reverse("automations:automation-test", args=[club.slug, "welcome"]), {"language": "xx"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_send_me_a_test_is_rate_limited(actor_client, club, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    client, _leader = actor_client("leader")
    mail.outbox.clear()
    url = reverse("automations:automation-test", args=[club.slug, "welcome"])
    statuses = [client.post(url, {"language": "en"}).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(mail.outbox) == 5


@pytest.mark.parametrize("extra_languages", [(), ("de", "ar", "fa")])
def test_preview_page_query_budget_grows_only_with_languages(
    actor_client, club, extra_languages, django_assert_max_num_queries
):
    for language in extra_languages:
        for _ in range(3):
            MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language=language))
    client, _leader = actor_client("leader")
    client.get(reverse("automations:automation-preview", args=[club.slug, "upgrade_nudge"]))  # warm the session
    # Measured 13 (one language) and 31 (four): a few per language, none per member.
    with django_assert_max_num_queries(8 + 7 * (1 + len(extra_languages))):
        response = client.get(reverse("automations:automation-preview", args=[club.slug, "upgrade_nudge"]))
    assert len(response.context["previews"]) == 1 + len(extra_languages)
