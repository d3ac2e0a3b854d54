"""Reads for the members' offers list: lazy in SQL, marked one page at a time."""

from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from offers.models import Redemption, RedemptionStatus
from offers.selectors import OFFERS_PAGE_SIZE, offer_list_for_member, offer_page_for_member
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_offer_list_for_member_is_a_lazy_queryset(club, make_members, django_assert_num_queries):
    [member] = make_members(1)
    OfferFactory.create_batch(3, club=club)
    with django_assert_num_queries(0):
        offers = offer_list_for_member(club=club, user=member)
    assert isinstance(offers, QuerySet)
    with django_assert_num_queries(1):
        assert len(offers[:2]) == 2


def test_offer_page_for_member_marks_the_offers_of_its_page(club, make_members, django_assert_max_num_queries):
    [member] = make_members(1)
    now = timezone.now()
    limited = OfferFactory(club=club, quantity_limit=2, valid_from=now - timedelta(hours=1))
    Redemption.objects.create(
        offer=limited, user=member, status=RedemptionStatus.PAID, reserved_until=now, currency="USD"
    )
    OfferFactory(club=club, valid_from=now - timedelta(hours=2), valid_until=now - timedelta(minutes=1))
    OfferFactory.create_batch(OFFERS_PAGE_SIZE, club=club, valid_from=now - timedelta(days=2))
    with django_assert_max_num_queries(2):
        page = offer_page_for_member(club=club, user=member, page_number="2", now=now)
        offers = list(page)
    assert page.number == 2 and page.paginator.count == OFFERS_PAGE_SIZE + 2
    assert [offer.expired for offer in offers] == [False, True]  # the last current offer, then the expired one
    assert all(hasattr(offer, "sold_out") and hasattr(offer, "remaining") for offer in offers)
    first = offer_page_for_member(club=club, user=member, page_number=1, now=now)[0]
    assert first == limited and first.remaining == 1 and first.redeemed_by_me and not first.sold_out


def test_offer_page_for_member_takes_a_page_size(club, make_members):
    [member] = make_members(1)
    OfferFactory.create_batch(5, club=club)
    page = offer_page_for_member(club=club, user=member, page_number="x", per_page=2)
    assert (page.number, len(page), page.paginator.num_pages) == (1, 2, 3)
