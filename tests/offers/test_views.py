"""Offer pages: what members see, what leaders do, and the query budget of the lists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from offers.models import Offer, OfferKind, Redemption, RedemptionStatus
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def list_url(club):
    return reverse("offers:offer-list", args=[club.slug])


@pytest.mark.parametrize("count", [1, 30])
def test_offers_page_query_budget(club, actor_client, django_assert_max_num_queries, count):
    client, member = actor_client("member")
    offers = OfferFactory.create_batch(count, club=club, quantity_limit=5)
    Redemption.objects.create(
        offer=offers[0], user=member, status=RedemptionStatus.PAID, reserved_until=timezone.now(), currency="USD"
    )
    with django_assert_max_num_queries(8):
        response = client.get(list_url(club))
    assert response.status_code == 200
    assert response.content.decode().count('class="card h-100 offer-card"') == count


def test_expired_and_sold_out_offers_say_so(club, actor_client, make_members):
    client, _member = actor_client("member")
    OfferFactory(club=club, title="Old one", valid_until=timezone.now() - timedelta(days=1))
    sold = OfferFactory(club=club, title="Popular one", quantity_limit=1)
    Redemption.objects.create(
        offer=sold,
        user=make_members(1)[0],
        status=RedemptionStatus.PAID,
        reserved_until=timezone.now(),
        currency="USD",
    )
    OfferFactory(club=club, title="Not yet", valid_from=timezone.now() + timedelta(days=2))
    content = client.get(list_url(club)).content.decode()
    assert "Expired" in content and "Sold out" in content
    assert "Not yet" not in content


def test_future_offer_is_hidden_from_members(club, actor_client):
    future = OfferFactory(club=club, valid_from=timezone.now() + timedelta(days=2))
    member_client, _ = actor_client("member")
    assert member_client.get(future.get_absolute_url()).status_code == 404


def test_club_home_shows_current_offers(club, actor_client):
    client, _ = actor_client("member")
    OfferFactory(club=club, title="Cookbook for members")
    OfferFactory(club=club, title="Gone offer", valid_until=timezone.now() - timedelta(days=1))
    content = client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert "Cookbook for members" in content and "Gone offer" not in content


def test_another_clubs_offer_is_404(club, other_club, actor_client):
    client, _ = actor_client("member")
    foreign = OfferFactory(club=other_club)
    assert client.get(reverse("offers:offer-detail", args=[club.slug, foreign.pk])).status_code == 404


def test_leader_posts_an_offer(club, actor_client):
    client, leader = actor_client("leader")
    response = client.post(
        reverse("offers:offer-create", args=[club.slug]),
        {
            "title": "Extra session",
            "body": "With our nutritionist.",
            "kind": OfferKind.PRODUCT,
            "price_minor": "3000",
            "valid_from": "2026-01-01T09:00",
            "valid_until": "2030-01-01T09:00",
            "audience": "all",
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert (offer.club, offer.created_by, offer.currency, offer.price_minor) == (club, leader, "USD", 3000)
    # Times are read in the club's time zone (Europe/Berlin in the factory: UTC+1 in January).
    assert offer.valid_from.isoformat() == "2026-01-01T08:00:00+00:00"


def test_bad_offer_input_says_why_and_changes_nothing(club, actor_client):
    client, _ = actor_client("leader")
    response = client.post(
        reverse("offers:offer-create", args=[club.slug]),
        {
            "title": "Broken",
            "body": "x",
            "kind": OfferKind.DISCOUNT,
            "price_minor": "3000",
            "valid_from": "2026-01-01T09:00",
            "audience": "all",
        },
    )
    assert response.status_code == 200
    assert "A discount needs a percent or an amount off." in response.content.decode()
    assert not Offer.objects.exists()


def test_send_page_previews_reach_and_skips(club, actor_client, make_members):
    client, _ = actor_client("leader")
    make_members(3)
    make_members(2, email_offers=False)
    offer = OfferFactory(club=club)
    content = client.get(reverse("offers:offer-send", args=[club.slug, offer.pk])).content.decode()
    assert "This email will reach 3 members." in content
    assert "2 members will be skipped" in content


def test_progress_page_polls_with_htmx_while_sending_and_has_a_progress_element(club, actor_client, make_members):
    from offers.services.sending import offer_send_resolve, offer_send_start

    client, leader = actor_client("leader")
    make_members(3)
    offer = OfferFactory(club=club)
    offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)  # batches queued, not sent
    url = reverse("offers:offer-progress", args=[club.slug, offer.pk])
    page = client.get(url).content.decode()
    assert "<progress" in page and 'hx-trigger="every 2s"' in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-count="queued">3<' in partial


def test_my_redemptions_lists_only_mine(club, actor_client, make_members):
    client, member = actor_client("member")
    [someone_else] = make_members(1)
    offer = OfferFactory(club=club, title="Cooking class")
    for user in (member, someone_else):
        Redemption.objects.create(
            offer=offer,
            user=user,
            status=RedemptionStatus.PAID,
            amount_minor=2500,
            currency="USD",
            reserved_until=timezone.now(),
            paid_at=timezone.now(),
        )
    content = client.get(reverse("offers:my-redemptions", args=[club.slug])).content.decode()
    assert content.count("Cooking class") == 1 and "$25.00" in content


def test_member_redeems_in_demo_checkout_and_only_they_may_pay(
    club, actor_client, settings, make_members, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    settings.STRIPE_WEBHOOK_SECRET = ""
    client, _member = actor_client("member")
    offer = OfferFactory(club=club)
    response = client.post(reverse("offers:offer-redeem", args=[club.slug, offer.pk]))
    checkout = response["Location"]
    page = client.get(checkout)
    assert page.status_code == 200 and "$25.00" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout)
    assert reverse("offers:redemption-success", args=[club.slug, offer.pk]) + "?session_id=" in paid["Location"]
    assert Redemption.objects.get().status == RedemptionStatus.PAID
    assert "Your payment of $25.00 is confirmed" in client.get(paid["Location"]).content.decode()
    [stranger] = make_members(1)
    client.force_login(stranger)
    assert client.get(checkout).status_code == 404
