"""Leaders set their club's email branding (issue 19): logo, colour, postal address and Reply-To."""

from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from clubs.emails import branding_for
from clubs.models import Club
from core import emails
from core.models import StaffAction

pytestmark = pytest.mark.django_db

VALID = {
    "email_logo_url": "https://cdn.healthy.club/logo.png",
    "brand_colour": "#1a7f37",
    "postal_address": "Healthy and Happy Club\nRua das Flores 12\n1200-195 Lisboa",
    "reply_to_email": "hello@healthy.club",
}


def settings_url(club) -> str:
    return reverse("clubs:club-settings", args=[club.slug])


def test_leader_saves_email_branding_audited_and_the_next_email_carries_it(actor_client, club):
    client, leader = actor_client("leader")
    response = client.post(settings_url(club), VALID)
    assert response.status_code == 302
    club.refresh_from_db()
    assert [club.email_logo_url, club.brand_colour, club.postal_address, club.reply_to_email] == list(VALID.values())
    action = StaffAction.objects.get(action="club_email_settings")
    assert action.actor == leader
    assert action.before["brand_colour"] == ""
    assert action.after == {**VALID, "offer_double_opt_in": False}

    branding = branding_for(club)
    recipient = emails.Recipient(email="member@example.org", language="en")
    message = EmailMultiAlternatives(subject="Receipt", body="Thank you.", to=[recipient.email])
    emails.layout_apply(message, recipient=recipient, branding=branding, category=emails.TRANSACTIONAL)
    emails.headers_apply(message, recipient=recipient, branding=branding, category=emails.TRANSACTIONAL)
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["Reply-To"] == "hello@healthy.club"
    html = parsed.get_body(preferencelist=("html",)).get_content()
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "https://cdn.healthy.club/logo.png" in html
    assert "#1a7f37" in html
    assert "Rua das Flores 12" in html and "Rua das Flores 12" in text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand_colour", "red;}body{display:none"),
        ("brand_colour", "#12345"),
        ("email_logo_url", "http://cdn.healthy.club/logo.png"),
        ("email_logo_url", "javascript:alert(1)"),
        ("reply_to_email", "not an address"),
        ("postal_address", "x" * 301),
    ],
)
def test_bad_branding_input_gets_a_clear_message_and_changes_nothing(actor_client, club, field, value):
    client, _leader = actor_client("leader")
    before = Club.objects.values(*VALID).get(pk=club.pk)
    response = client.post(settings_url(club), {**VALID, field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert Club.objects.values(*VALID).get(pk=club.pk) == before
    assert not StaffAction.objects.filter(action="club_email_settings").exists()


def test_leader_menu_links_to_club_settings(actor_client, club):
    client, _leader = actor_client("leader")
    page = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert f'href="{settings_url(club)}"' in page


def test_member_menu_has_no_club_settings_link(actor_client, club):
    client, _member = actor_client("member")
    page = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert settings_url(club) not in page


def test_leader_turns_on_double_opt_in_for_offer_emails_audited(actor_client, club):
    client, _leader = actor_client("leader")
    response = client.post(settings_url(club), {**VALID, "offer_double_opt_in": "on"})
    assert response.status_code == 302
    club.refresh_from_db()
    assert club.offer_double_opt_in is True
    action = StaffAction.objects.get(action="club_email_settings")
    assert (action.before["offer_double_opt_in"], action.after["offer_double_opt_in"]) == (False, True)

    client.post(settings_url(club), VALID)  # an unticked box turns it off again
    club.refresh_from_db()
    assert club.offer_double_opt_in is False
