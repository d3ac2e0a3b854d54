"""Leaders see the offer email before they send it (issue 19): in each language the club's members use,
HTML in a sandboxed frame, and "send me a test" through the one pipeline, marked and rate-limited."""

import uuid
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from offers.models import OfferDelivery
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(club):
    for language in ("fa", "de"):
        MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(preferred_language=language))
    return OfferFactory(club=club, title="Tea & cake")


def test_offer_send_page_previews_the_email_in_each_language_members_use(actor_client, club, offer):
    client, _leader = actor_client("leader")
    response = client.get(reverse("offers:offer-send", args=[club.slug, offer.pk]))
    assert response.status_code == 200
    emails = response.context["emails"]
    assert [email["language"] for email in emails] == ["en", "de", "fa"]
    for email in emails:
        assert "Tea & cake" in email["subject"]  # plain text, not "Tea &amp; cake"
        assert "Tea & cake" in email["text"]
        frame_url = reverse("offers:offer-preview-frame", args=[club.slug, offer.pk, email["language"]])
        assert f'src="{frame_url}"' in response.content.decode()
        frame = client.get(frame_url)
        assert frame.status_code == 200
        assert frame["Content-Security-Policy"].startswith("sandbox ")
        assert f'lang="{email["language"]}"' in frame.content.decode()
    # A preview records nothing: no delivery, no pixel in it.
    assert not OfferDelivery.objects.exists()
    assert "/pixel.gif" not in client.get(frame_url).content.decode()


def test_offer_send_me_a_test_reaches_only_the_leader_marked_as_test(actor_client, club, offer):
    client, leader = actor_client("leader")
    mail.outbox.clear()
    response = client.post(reverse("offers:offer-test", args=[club.slug, offer.pk]), {"language": "fa"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[leader.email]]
    parsed = message_from_bytes(mail.outbox[0].message().as_bytes(), policy=policy.default)
    with translation.override("fa"):
        marker = translation.gettext("[Test] %(subject)s") % {"subject": ""}
    assert parsed["Subject"].strip().startswith(marker.strip())
    assert parsed["X-Returnpath-Test"] == "1"
    assert parsed["X-Returnpath-Category"] == "offers"
    assert not OfferDelivery.objects.exists()


def test_offer_send_me_a_test_is_rate_limited(actor_client, club, offer, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    client, _leader = actor_client("leader")
    mail.outbox.clear()
    url = reverse("offers:offer-test", args=[club.slug, offer.pk])
    statuses = [client.post(url, {"language": "en"}).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(mail.outbox) == 5


def test_offer_preview_frame_of_another_clubs_offer_is_404(actor_client, club, other_club):
    client, _leader = actor_client("leader")
    foreign = OfferFactory(club=other_club)
    assert client.get(reverse("offers:offer-preview-frame", args=[club.slug, foreign.pk, "en"])).status_code == 404
