from datetime import timedelta

import factory
from django.utils import timezone

from offers.models import Offer, OfferKind
from tests.factories import ClubFactory


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    club = factory.SubFactory(ClubFactory)
    title = factory.Sequence(lambda n: f"Member offer {n}")
    body = "A session with our nutritionist."
    kind = OfferKind.PRODUCT
    price_minor = 2500
    currency = factory.SelfAttribute("club.currency")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    valid_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
