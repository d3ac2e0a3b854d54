"""Issue 23, offers: prices in the currency's units, the form's refusals, drafts and scheduled publishing,
results that count only sales after the email, and a delete that asks first. All through the views."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clubs.models import Club
from offers.models import (
    DeliveryBatch,
    DeliveryStatus,
    Offer,
    OfferDelivery,
    OfferKind,
    OfferSend,
    Redemption,
    RedemptionStatus,
)
from tests.factories import ClubFactory
from tests.offers.factories import OfferFactory

LATER = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
MUCH_LATER = (timezone.now() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")


def payload(**fields) -> dict:
    data = {
        "title": "Extra session",
        "body": "With our nutritionist.",
        "kind": OfferKind.PRODUCT,
        "price": "25.00",
        "valid_from": "2026-01-01T09:00",
        "valid_until": MUCH_LATER,
        "publish_at": "2026-01-01T09:00",
        "audience": "all",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post_offer(client, club: Club, **fields):
    return client.post(reverse("offers:offer-create", args=[club.slug]), payload(**fields))


def reference_minor(text: str, exponent: int) -> int:
    """An independent reading of "25.00": whole units times 10**exponent plus the fraction's digits."""
    whole, _, fraction = text.partition(".")
    return int(whole) * 10**exponent + int((fraction or "0").ljust(exponent, "0") or 0)


# --- Prices in units, never cents ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["25.00", "25", "0.99", "999999.99"])
def test_offer_price_is_typed_in_dollars_not_cents(club, actor_client, typed):
    client, _ = actor_client("leader")
    assert post_offer(client, club, price=typed).status_code == 302
    assert Offer.objects.get().price_minor == reference_minor(typed, 2)


def test_offer_price_in_yen_takes_whole_units(actor_client):
    client, leader = actor_client("leader")
    yen_club = ClubFactory(currency="JPY")
    yen_club.leaders.add(leader)
    assert post_offer(client, yen_club, price="2500").status_code == 302
    assert Offer.objects.get(club=yen_club).price_minor == reference_minor("2500", 0)  # no minor unit in JPY
    refused = post_offer(client, yen_club, price="2500.50", title="Half a yen")
    assert refused.status_code == 200 and "decimal places for JPY" in refused.content.decode()


def test_offer_edit_form_shows_the_price_in_dollars(club, actor_client):
    client, _ = actor_client("leader")
    offer = OfferFactory(club=club, price_minor=2500)
    page = client.get(reverse("offers:offer-edit", args=[club.slug, offer.pk])).content.decode()
    assert 'name="price"' in page and 'value="25.00"' in page
    assert "minor units" not in page and "cents" not in page


def test_offer_with_an_absurd_price_is_refused_not_charged(club, actor_client):
    """$999,999,999,999.99 was posted and charged: Stripe's ceiling is 99,999,999 minor units."""
    client, _ = actor_client("leader")
    response = post_offer(client, club, price="999999999999.99")
    assert response.status_code == 200
    assert "Enter an amount between $0.01 and $999,999.99." in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize("typed", ["abc", "25.005", "-5", "NaN", "1e999999999", "0"])
def test_offer_with_a_bad_price_says_why_and_changes_nothing(club, actor_client, typed):
    client, _ = actor_client("leader")
    response = post_offer(client, club, price=typed)
    assert response.status_code == 200
    assert 'id="id_price_errors"' in response.content.decode() or "is-invalid" in response.content.decode()
    assert not Offer.objects.exists()


# --- The form's other refusals ------------------------------------------------------------------


def test_offer_with_percent_and_amount_off_together_is_refused(club, actor_client):
    client, _ = actor_client("leader")
    response = post_offer(client, club, kind=OfferKind.DISCOUNT, price="60.00", percent_off="10", amount_off="5.00")
    assert response.status_code == 200
    assert "Give a percent or an amount off, not both." in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_amount_off_not_below_the_price_is_refused(club, actor_client):
    client, _ = actor_client("leader")
    response = post_offer(client, club, kind=OfferKind.DISCOUNT, price="60.00", amount_off="60.00")
    assert "The amount off must be less than the regular price." in response.content.decode()
    assert not Offer.objects.exists()


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_offer_with_a_quantity_below_one_is_refused(club, actor_client, quantity):
    client, _ = actor_client("leader")
    response = post_offer(client, club, quantity_limit=quantity)
    assert response.status_code == 200
    content = response.content.decode()
    assert "At least 1 unit, or empty for no limit." in content or "greater than or equal to 1" in content
    assert not Offer.objects.exists()


def test_offer_ending_before_it_starts_is_refused(club, actor_client):
    client, _ = actor_client("leader")
    response = post_offer(client, club, valid_from=MUCH_LATER, valid_until=LATER)
    assert response.status_code == 200
    assert "An offer must end after it starts." in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_ending_in_the_past_is_refused(club, actor_client):
    client, _ = actor_client("leader")
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_offer(client, club, valid_from="2026-01-01T09:00", valid_until=yesterday)
    assert response.status_code == 200
    assert "The end is in the past" in response.content.decode()
    assert not Offer.objects.exists()


# --- Drafts and scheduled publishing ------------------------------------------------------------


def test_offer_posted_without_publish_time_is_a_draft_invisible_to_members(club, actor_client, make_members):
    client, _ = actor_client("leader")
    assert post_offer(client, club, publish_at="", title="Secret draft").status_code == 302
    offer = Offer.objects.get()
    assert offer.publish_at is None
    manage = client.get(reverse("offers:offer-manage", args=[club.slug])).content.decode()
    assert "Secret draft" in manage and "Draft: only leaders see it" in manage
    [member] = make_members(1)
    client.force_login(member)
    assert "Secret draft" not in client.get(reverse("offers:offer-list", args=[club.slug])).content.decode()
    assert "Secret draft" not in client.get(reverse("clubs:club-home", args=[club.slug])).content.decode()
    assert client.get(offer.get_absolute_url()).status_code == 404


def test_scheduled_offer_appears_to_members_from_its_publish_time(club, actor_client, make_members):
    [member] = make_members(1)
    offer = OfferFactory(club=club, title="Spring sale", publish_at=timezone.now() + timedelta(days=2))
    client, _ = actor_client("leader")
    manage = client.get(reverse("offers:offer-manage", args=[club.slug])).content.decode()
    assert "Scheduled for" in manage
    client.force_login(member)
    assert client.get(offer.get_absolute_url()).status_code == 404
    Offer.objects.filter(pk=offer.pk).update(publish_at=timezone.now() - timedelta(minutes=1))  # the time came
    assert "Spring sale" in client.get(reverse("offers:offer-list", args=[club.slug])).content.decode()
    assert client.get(offer.get_absolute_url()).status_code == 200


def test_draft_offer_cannot_be_sent_to_members(club, actor_client, make_members):
    client, _ = actor_client("leader")
    make_members(2)
    offer = OfferFactory(club=club, publish_at=None)
    response = client.post(reverse("offers:offer-send", args=[club.slug, offer.pk]), follow=True)
    assert "This offer is not published yet" in response.content.decode()
    assert not OfferSend.objects.exists()


# --- Results count only sales after the email ---------------------------------------------------


def _sent_to(offer: Offer, user, *, at) -> None:
    send = OfferSend.objects.create(offer=offer, status="done")
    batch = DeliveryBatch.objects.create(send=send, status="sent")
    OfferDelivery.objects.create(
        offer=offer, club=offer.club, user=user, batch=batch, status=DeliveryStatus.SENT, sent_at=at
    )


def _paid(offer: Offer, user, *, at) -> None:
    Redemption.objects.create(
        offer=offer,
        user=user,
        status=RedemptionStatus.PAID,
        amount_minor=offer.price_minor,
        currency=offer.currency,
        reserved_until=at,
        created_at=at,
        paid_at=at,
    )


def test_offer_results_ignore_a_redemption_made_before_the_email_was_sent(club, actor_client, make_members):
    """One of five recipients bought before the send: that showed as 20 % conversion."""
    client, _ = actor_client("leader")
    members = make_members(5)
    offer = OfferFactory(club=club, price_minor=2500)
    sent_at = timezone.now() - timedelta(hours=1)
    _paid(offer, members[0], at=sent_at - timedelta(minutes=5))  # bought on the offer page, before the email
    for user in members:
        _sent_to(offer, user, at=sent_at)
    page = client.get(reverse("offers:offer-progress", args=[club.slug, offer.pk]))
    content = page.content.decode()
    assert page.context["results"].redeemed == 0 and page.context["results"].revenue_minor == 0
    assert "20.0%" not in content and "20%" not in content
    _paid(offer, members[1], at=sent_at + timedelta(minutes=5))  # bought after the email
    results = client.get(reverse("offers:offer-progress", args=[club.slug, offer.pk])).context["results"]
    expected_percent = round(1 * 100 / 5, 1)  # one sale after the email, five emails sent
    assert (results.redeemed, results.revenue_minor, results.conversion_percent) == (1, 2500, expected_percent)


# --- Delete asks first --------------------------------------------------------------------------


def test_offer_delete_asks_for_confirmation_without_javascript(club, actor_client):
    client, _ = actor_client("leader")
    offer = OfferFactory(club=club, title="Cooking class")
    url = reverse("offers:offer-delete", args=[club.slug, offer.pk])
    asked = client.post(url)  # the manage list's form, submitted without JavaScript
    assert asked.status_code == 200 and "Delete this offer?" in asked.content.decode()
    assert 'name="confirm" value="yes"' in asked.content.decode()
    assert Offer.objects.filter(pk=offer.pk).exists()
    done = client.post(url, {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("offers:offer-manage", args=[club.slug])
    assert not Offer.objects.filter(pk=offer.pk).exists()


def test_offer_delete_button_uses_hx_confirm_and_htmx_is_redirected(club, actor_client):
    client, _ = actor_client("leader")
    offer = OfferFactory(club=club)
    manage = client.get(reverse("offers:offer-manage", args=[club.slug])).content.decode()
    assert 'hx-confirm="Delete this offer?"' in manage
    url = reverse("offers:offer-delete", args=[club.slug, offer.pk])
    response = client.post(url, {"confirm": "yes"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("offers:offer-manage", args=[club.slug])
    assert not Offer.objects.filter(pk=offer.pk).exists()


def test_offer_with_sales_is_not_deleted_and_says_why(club, actor_client, make_members):
    client, _ = actor_client("leader")
    [member] = make_members(1)
    offer = OfferFactory(club=club)
    _paid(offer, member, at=timezone.now())
    response = client.post(reverse("offers:offer-delete", args=[club.slug, offer.pk]), {"confirm": "yes"}, follow=True)
    assert "Members have redeemed this offer" in response.content.decode()
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_money_field_reads_three_decimal_currencies():
    from core.forms import MoneyField

    field = MoneyField(currency="KWD")
    assert field.clean("1.250") == 1250 == int(Decimal("1.250") * 1000)


def test_member_of_another_club_cannot_delete_an_offer(club, other_club, actor_client):
    client, _ = actor_client("other_leader")
    offer = OfferFactory(club=club)
    assert (
        client.post(reverse("offers:offer-delete", args=[club.slug, offer.pk]), {"confirm": "yes"}).status_code == 404
    )
    assert Offer.objects.filter(pk=offer.pk).exists()


@pytest.mark.parametrize("count", [1, 30])
def test_manage_offers_page_with_drafts_and_delete_buttons_stays_within_its_query_budget(
    club, actor_client, django_assert_max_num_queries, count
):
    client, _ = actor_client("leader")
    for number in range(count):
        OfferFactory(club=club, publish_at=None if number % 2 else timezone.now() + timedelta(days=1))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("offers:offer-manage", args=[club.slug]))
    assert response.content.decode().count('hx-confirm="Delete this offer?"') == count
