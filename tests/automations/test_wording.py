"""Leaders rewrite an automation's subject and opening per language (issue 19): the default comes from the
catalogs, placeholders are checked on save with a clear message, the preview and the real senders use it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from automations.models import AutomationKind, AutomationWording
from core.models import StaffAction
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def preview_url(club, kind="welcome") -> str:
    return reverse("automations:automation-preview", args=[club.slug, kind])


def test_default_wording_is_the_catalogs_text_shown_as_placeholder(actor_client, club):
    MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language="de"))
    client, _leader = actor_client("leader")
    response = client.get(preview_url(club))
    forms = {preview["language"]: preview["form"] for preview in response.context["previews"]}
    for language in ("en", "de"):
        with translation.override(language):
            catalog_opening = translation.gettext("Welcome to %(club_name)s! We are glad you are here.")
            catalog_subject = translation.gettext("Welcome to %(club)s")
        opening_placeholder = forms[language].fields["opening"].widget.attrs["placeholder"]
        assert opening_placeholder == catalog_opening.replace("%(club_name)s", "{club}")
        assert forms[language].fields["subject"].widget.attrs["placeholder"] == catalog_subject.replace(
            "%(club)s", "{club}"
        )
    assert "{club}" in response.content.decode()


def test_saved_wording_shows_in_the_preview_and_is_audited(actor_client, club):
    client, leader = actor_client("leader")
    response = client.post(
        preview_url(club),
        {"language": "en", "subject": "Hi {name}, welcome to {club}", "opening": "So glad you joined {club}, {name}!"},
    )
    assert response.status_code == 302
    wording = AutomationWording.objects.get(club=club, kind="welcome", language="en")
    assert wording.subject == "Hi {name}, welcome to {club}"
    preview = client.get(preview_url(club)).context["previews"][0]
    name = leader.public_name
    assert preview["subject"] == f"Hi {name}, welcome to {club.name}"
    assert f"So glad you joined {club.name}, {name}!" in preview["text"]
    # The catalog's opening is replaced, not added to.
    assert "We are glad you are here" not in preview["text"]
    assert StaffAction.objects.filter(action="automation_wording", actor=leader).count() == 1


@pytest.mark.parametrize(
    ("opening", "message_part"),
    [
        ("Hello {nmae}", "Unknown placeholder {nmae}"),
        ("Hello {name", "braces do not match"),
        ("Hello name}", "braces do not match"),
        ("Hello {}", "Unknown placeholder {}"),
        ("Hello {club.__class__}", "Unknown placeholder {club.__class__}"),
        ("Hello {club!r}", "without formatting"),
        ("Come back: {percent}% off", "Unknown placeholder {percent}"),  # percent is win-back's, not welcome's
    ],
)
def test_bad_placeholders_are_refused_with_a_clear_message(actor_client, club, opening, message_part):
    client, _leader = actor_client("leader")
    response = client.post(preview_url(club), {"language": "en", "subject": "", "opening": opening})
    assert response.status_code == 200
    assert message_part in response.content.decode().replace("&#x27;", "'")
    assert not AutomationWording.objects.exists()


def test_win_back_may_use_percent_and_it_is_filled_in_native_digits(actor_client, club):
    MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language="ar"))
    client, _leader = actor_client("leader")
    response = client.post(
        preview_url(club, "win_back"),
        {"language": "ar", "subject": "{club}: {percent}% خصم", "opening": "عد إلينا يا {name}"},
    )
    assert response.status_code == 302
    from automations.selectors import automation_settings_for

    percent = str(automation_settings_for(club=club).win_back_stage1_percent)
    arabic_indic = percent.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))  # the reference, by hand
    previews = client.get(preview_url(club, "win_back")).context["previews"]
    arabic = next(preview for preview in previews if preview["language"] == "ar")
    assert arabic["subject"] == f"{club.name}: {arabic_indic}% خصم"


def test_the_real_sender_uses_the_override_in_the_members_language(club, run):
    AutomationWording.objects.create(
        club=club,
        kind="welcome",
        language="de",
        subject="Willkommen, {name}!",
        opening="Schön, dass du bei {club} bist.",
    )
    now = timezone.now()
    german = MembershipFactory(
        club=club,
        plan=club.plans.first(),
        started_at=now - timedelta(hours=1),
        user=UserFactory(preferred_language="de"),
    ).user
    english = MembershipFactory(
        club=club,
        plan=club.plans.first(),
        started_at=now - timedelta(hours=1),
        user=UserFactory(preferred_language="en"),
    ).user
    mail.outbox.clear()
    assert run(AutomationKind.WELCOME, club, now) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[german.email].subject == f"Willkommen, {german.public_name}!"
    assert f"Schön, dass du bei {club.name} bist." in by_address[german.email].body
    html = by_address[german.email].alternatives[0][0]
    assert f"Schön, dass du bei {club.name} bist." in html
    # No override in English: the catalog's text.
    assert by_address[english.email].subject == f"Welcome to {club.name}"
    assert "We are glad you are here" in by_address[english.email].body


def test_html_in_an_override_is_escaped_in_the_html_part(club, run):
    AutomationWording.objects.create(club=club, kind="welcome", language="en", opening="<script>x</script> {club}")
    now = timezone.now()
    MembershipFactory(club=club, plan=club.plans.first(), started_at=now - timedelta(hours=1))
    mail.outbox.clear()
    run(AutomationKind.WELCOME, club, now)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_blank_wording_restores_the_standard_text(actor_client, club):
    AutomationWording.objects.create(club=club, kind="welcome", language="en", subject="Hi {name}")
    client, _leader = actor_client("leader")
    assert client.post(preview_url(club), {"language": "en", "subject": "", "opening": ""}).status_code == 302
    assert not AutomationWording.objects.exists()
