"""factory-boy factories: the one way tests build data."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from clubs.models import Club, Membership, MembershipStatus, Plan
from members.models import User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    name = factory.Sequence(lambda n: f"Club {n}")
    slug = factory.Sequence(lambda n: f"club-{n}")
    tagline = "Better together"
    description = "We meet every week."
    currency = "USD"
    time_zone = "Europe/Berlin"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    club = factory.SubFactory(ClubFactory)
    name = "Monthly"
    interval = "month"
    interval_count = 1
    price_minor = 500
    currency = factory.SelfAttribute("club.currency")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    club = factory.SubFactory(ClubFactory)
    plan = factory.SubFactory(PlanFactory, club=factory.SelfAttribute("..club"))
    status = MembershipStatus.ACTIVE
    started_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def consents(self, create, extracted, **kwargs):
        """Members consent to the club's offer and club emails (clubs.consent) unless ``consents=False``."""
        if create and extracted is not False:
            from clubs.models import Consent, ConsentPurpose, ConsentSource, ConsentStatus

            for purpose in ConsentPurpose.values:
                Consent.objects.get_or_create(
                    user=self.user,
                    club=self.club,
                    purpose=purpose,
                    defaults={
                        "status": ConsentStatus.GIVEN,
                        "source": ConsentSource.IMPORT,
                        "given_at": timezone.now(),
                    },
                )
