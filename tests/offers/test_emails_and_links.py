"""The offer email itself and the links in it: unsubscribe (RFC 8058), open pixel, click."""

import re

import pytest
from django.core import mail
from django.test import Client

from core.tokens import token_make
from offers.emails import CLICK_PURPOSE, OPEN_PURPOSE, UNSUBSCRIBE_PURPOSE
from offers.models import DeliveryStatus, OfferDelivery, OfferUnsubscribe
from offers.services.sending import offer_send_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(club, offer, make_members, django_capture_on_commit_callbacks):
    """One member who received the offer email: (member, delivery, message)."""
    [member] = make_members(1, display_name="Mona Member", preferred_language="de", time_zone="Europe/Berlin")
    leader = UserFactory()
    club.leaders.add(leader)
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=leader)
    return member, OfferDelivery.objects.get(user=member), mail.outbox[0]


def test_email_is_personal_in_the_members_language_with_text_and_html(delivered):
    member, delivery, message = delivered
    assert message.to == [member.email]
    assert "Mona Member" in message.body
    assert "Nutritionist session" in message.subject
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "Mona Member" in html and 'lang="de"' in html
    assert message.extra_headers["Message-ID"] == delivery.message_id


def test_email_carries_one_click_unsubscribe_headers(delivered):
    _member, _delivery, message = delivered
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://\S+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert url in message.body  # the visible link is the same one


def test_one_click_unsubscribe_is_a_post_without_cookies_or_csrf(club, delivered):
    member, _delivery, message = delivered
    url = re.fullmatch(r"<https?://[^/]+(/\S+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    mail_provider = Client(enforce_csrf_checks=True)

    response = mail_provider.post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert OfferUnsubscribe.objects.filter(club=club, user=member).exists()
    assert mail_provider.post(url).status_code == 200  # a second click changes nothing
    assert OfferUnsubscribe.objects.count() == 1


def test_unsubscribe_get_only_asks(club, delivered):
    member, _delivery, _message = delivered
    url = f"/offers/unsubscribe/{token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club.pk, member.pk])}/"
    response = Client().get(url)
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert not OfferUnsubscribe.objects.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][:-2] + "xy"),
        lambda token: "garbage",
    ],
)
def test_tampered_unsubscribe_token_is_refused_and_changes_nothing(club, delivered, tamper):
    member, _delivery, _message = delivered
    token = tamper(token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club.pk, member.pk]))
    response = Client().post(f"/offers/unsubscribe/{token}/")
    assert response.status_code == 400
    assert not OfferUnsubscribe.objects.exists()


def test_unsubscribe_token_of_another_purpose_is_refused(club, delivered):
    _member, delivery, _message = delivered
    token = token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])
    assert Client().post(f"/offers/unsubscribe/{token}/").status_code == 400


def test_open_pixel_records_the_first_open(delivered):
    _member, delivery, _message = delivered
    url = f"/offers/o/{token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])}/pixel.gif"
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    delivery.refresh_from_db()
    first = delivery.opened_at
    assert first is not None
    Client().get(url)
    delivery.refresh_from_db()
    assert delivery.opened_at == first


def test_click_goes_to_the_offer_page_and_counts(club, offer, delivered):
    _member, delivery, message = delivered
    path = re.search(r"https?://[^/\s]+(/offers/c/\S+/)", message.body).group(1)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    delivery.refresh_from_db()
    assert delivery.clicked_at is not None and delivery.opened_at is not None


def test_tampered_click_token_is_refused(delivered):
    _member, delivery, _message = delivered
    token = token_make(purpose=CLICK_PURPOSE, parts=[delivery.pk])
    forged = f"{delivery.pk + 1}:{token.split(':', 1)[1]}"
    assert Client().get(f"/offers/c/{forged}/").status_code == 404
    assert Client().get(f"/offers/c/{token}x/").status_code == 404
    # An open token cannot be used as a click token (different salt).
    assert Client().get(f"/offers/c/{token_make(purpose=OPEN_PURPOSE, parts=[delivery.pk])}/").status_code == 404
    delivery.refresh_from_db()
    assert delivery.clicked_at is None


def test_click_link_cannot_redirect_elsewhere(delivered):
    _member, delivery, _message = delivered
    token = token_make(purpose=CLICK_PURPOSE, parts=[delivery.pk])
    response = Client().get(f"/offers/c/{token}/?next=https://evil.example/")
    assert response["Location"].startswith("/clubs/")


def test_unsubscribed_member_is_skipped_next_time(club, offer, delivered, django_capture_on_commit_callbacks):
    from tests.offers.factories import OfferFactory

    _member, _delivery, message = delivered
    url = re.fullmatch(r"<https?://[^/]+(/\S+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    Client().post(url)
    mail.outbox.clear()
    leader = club.leaders.first()
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=OfferFactory(club=club), actor=leader)
    assert mail.outbox == []
    assert OfferDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 1
