"""Demo data: one current member offer in the demo club (idempotent)."""

from datetime import timedelta

from django.utils import timezone

from clubs.models import Club
from members.models import User
from offers.models import Offer, OfferKind

DEMO_OFFER_TITLE = "Nutritionist session, member price"


def seed_offers_demo(*, club: Club, leader: User) -> Offer:
    """A limited product offer valid for a month from the first seed; running it again changes nothing."""
    offer, _ = Offer.objects.get_or_create(
        club=club,
        title=DEMO_OFFER_TITLE,
        defaults={
            "body": (
                "One hour with our nutritionist to plan your next month of meals. "
                "Members pay $25 instead of $60; ten places."
            ),
            "kind": OfferKind.PRODUCT,
            "price_minor": 2500,
            "currency": club.currency,
            "quantity_limit": 10,
            "valid_from": timezone.now() - timedelta(days=1),
            "publish_at": timezone.now() - timedelta(days=1),
            "valid_until": timezone.now() + timedelta(days=30),
            "created_by": leader,
        },
    )
    return offer
