"""Offer pages: what members see, what leaders do, and the query budget of the lists."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offers.models import Offer, OfferKind, Redemption, RedemptionStatus
from offers.selectors import OFFERS_PAGE_SIZE
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def list_url(club):
    return reverse("offers:offer-list", args=[club.slug])


# The offers page: the member area's checks, one COUNT and one page of offers. Not one more per offer.
OFFER_LIST_QUERY_BUDGET = 8

CARD = 'class="card h-100 offer-card"'


def card_titles(content: str) -> list[str]:
    """The offer titles on a page, in the order of the cards."""
    return re.findall(r'<h3 class="h5 card-title" id="offer-\d+-title"><a [^>]*>([^<]*)</a>', content)


def offers_started_days_ago(club, count: int, *, prefix: str = "Offer", **fields) -> list[Offer]:
    """``count`` current offers, the first the newest, so that the list shows them in this order."""
    now = timezone.now()
    return [
        OfferFactory(club=club, title=f"{prefix} {index:02d}", valid_from=now - timedelta(days=index + 1), **fields)
        for index in range(count)
    ]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_offers_page_query_budget_is_the_same_for_3_and_60_offers_on_pages_1_and_3(club, actor_client):
    client, member = actor_client("member")
    offers = OfferFactory.create_batch(3, club=club, quantity_limit=5)
    Redemption.objects.create(
        offer=offers[0], user=member, status=RedemptionStatus.PAID, reserved_until=timezone.now(), currency="USD"
    )
    client.get(list_url(club))  # the first request of a session may do one-off work
    few = [count_queries(client, list_url(club)), count_queries(client, list_url(club) + "?page=3")]
    OfferFactory.create_batch(57, club=club, quantity_limit=5)
    many = [count_queries(client, list_url(club)), count_queries(client, list_url(club) + "?page=3")]
    assert few == many and max(many) <= OFFER_LIST_QUERY_BUDGET


@pytest.mark.parametrize("count", [3, 60])
def test_offers_page_stays_within_the_query_budget(club, actor_client, django_assert_max_num_queries, count):
    client, member = actor_client("member")
    offers = OfferFactory.create_batch(count, club=club, quantity_limit=5)
    Redemption.objects.create(
        offer=offers[0], user=member, status=RedemptionStatus.PAID, reserved_until=timezone.now(), currency="USD"
    )
    for page in ("1", "3"):
        with django_assert_max_num_queries(OFFER_LIST_QUERY_BUDGET):
            response = client.get(list_url(club), {"page": page})
        assert response.status_code == 200
        assert response.content.decode().count(CARD) == min(count, OFFERS_PAGE_SIZE)


def test_offers_page_shows_one_page_of_offers(club, actor_client):
    client, _ = actor_client("member")
    offers_started_days_ago(club, 2 * OFFERS_PAGE_SIZE + 1)
    content = client.get(list_url(club)).content.decode()
    assert content.count(CARD) == OFFERS_PAGE_SIZE == 12
    assert card_titles(content) == [f"Offer {index:02d}" for index in range(OFFERS_PAGE_SIZE)]
    assert "Page 1 of 3" in content and 'href="?page=2"' in content and "Previous" not in content


def test_offers_page_2_shows_the_next_offers(club, actor_client):
    client, _ = actor_client("member")
    offers_started_days_ago(club, OFFERS_PAGE_SIZE + 2)
    content = client.get(list_url(club), {"page": 2}).content.decode()
    assert card_titles(content) == [f"Offer {OFFERS_PAGE_SIZE:02d}", f"Offer {OFFERS_PAGE_SIZE + 1:02d}"]
    assert "Page 2 of 2" in content and 'href="?page=1"' in content and 'href="?page=3"' not in content


def test_current_offers_come_before_expired_ones_across_pages(club, actor_client):
    client, _ = actor_client("member")
    now = timezone.now()
    current = [offer.title for offer in offers_started_days_ago(club, OFFERS_PAGE_SIZE + 2, prefix="Current")]
    # Expired offers that started after every current one: still listed after them.
    expired = [
        OfferFactory(
            club=club, title=f"Expired {index}", valid_from=now - timedelta(hours=index + 2), valid_until=now
        ).title
        for index in range(3)
    ]
    first = client.get(list_url(club)).content.decode()
    second = client.get(list_url(club), {"page": 2}).content.decode()
    assert card_titles(first) == current[:OFFERS_PAGE_SIZE] and "Expired" not in first
    assert card_titles(second) == current[OFFERS_PAGE_SIZE:] + expired
    assert second.count('class="badge text-bg-secondary"') == len(expired)


@pytest.mark.parametrize(
    ("page", "shown"),
    [("", 1), ("abc", 1), ("1.5", 1), ("<script>", 1), ("0", 3), ("-1", 3), ("4", 3), ("99999999999999999999", 3)],
)
def test_bad_page_number_shows_the_first_or_the_last_page(club, actor_client, page, shown):
    client, _ = actor_client("member")
    offers_started_days_ago(club, 2 * OFFERS_PAGE_SIZE + 1)
    response = client.get(list_url(club), {"page": page})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Page {shown} of 3" in content and "<script>" not in content


def test_offers_page_without_offers_says_so_without_pages(club, actor_client):
    client, _ = actor_client("member")
    content = client.get(list_url(club), {"page": 2}).content.decode()
    assert "No offers yet." in content and "Page 1 of" not in content


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
            "price": "30.00",
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
            "price": "30.00",
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
    club, actor_client, demo_settings, make_members, django_capture_on_commit_callbacks
):
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
