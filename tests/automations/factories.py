import factory
from django.utils import timezone

from automations.models import AutomationKind, AutomationSend, ReferralCode, SendStatus
from tests.factories import ClubFactory, MembershipFactory


class AutomationSendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AutomationSend

    membership = factory.SubFactory(MembershipFactory)
    club = factory.SelfAttribute("membership.club")
    user = factory.SelfAttribute("membership.user")
    kind = AutomationKind.WELCOME
    trigger_key = factory.Sequence(lambda n: f"test:{n}")
    status = SendStatus.SENT
    sent_at = factory.LazyFunction(timezone.now)


class ReferralCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralCode

    club = factory.SubFactory(ClubFactory)
    user = factory.LazyAttribute(lambda code: MembershipFactory(club=code.club).user)
