"""Memberships with a status history and subscriptions with a price ledger, at chosen instants."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import factory

from analytics.models import AccessRecord, NpsResponse, NpsSurvey, SubscriptionPriceChange
from analytics.services.history import access_record
from billing.models import StripeCustomer, Subscription, SubscriptionStatus
from clubs.models import Membership, MembershipStatus, MembershipStatusChange
from tests.factories import MembershipFactory, UserFactory

_ids = itertools.count(1)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    """Run services as if it were ``at``: what they record is dated then (Django's ``timezone.now``)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def member_with_history(
    *, club, plan, history: list[tuple[datetime, str]], is_complimentary: bool = False, user=None
) -> Membership:
    """A membership that went through ``history`` [(when, status), ...]; its row shows the last status."""
    first_access = next((at for at, status in history if status in ("trialing", "active")), None)
    final_at, final_status = history[-1]
    membership = MembershipFactory(
        user=user or UserFactory(),
        club=club,
        plan=plan,
        status=final_status,
        started_at=first_access,
        canceled_at=final_at if final_status == MembershipStatus.CANCELED else None,
        is_complimentary=is_complimentary,
    )
    previous = ""
    for at, status in history:
        MembershipStatusChange.objects.create(
            membership=membership, from_status=previous, to_status=status, changed_at=at
        )
        previous = status
    history_replay(membership=membership)
    return membership


def history_replay(*, membership: Membership) -> None:
    """Rewrite the membership's access records from its status changes and price ledger, in time order.

    Factories write history rows dated in the past directly (not through the services at those
    instants), so the records the signals wrote meanwhile are replaced by the replay. A past-due spell
    has the club's grace period from its start; complimentary and the plan are the row's throughout.
    """
    final = {name: getattr(membership, name) for name in ("status", "grace_period_ends_at")}
    AccessRecord.objects.filter(membership=membership).delete()
    events = [(change.changed_at, 0, change.pk, change.to_status) for change in membership.status_changes.all()]
    events += [(price.effective_at, 1, price.pk, None) for price in membership.price_changes.all()]
    state = membership
    for at, _kind, _pk, status in sorted(events):
        if status is not None:
            state.status = status
            state.grace_period_ends_at = (
                at + timedelta(days=membership.club.grace_period_days) if status == MembershipStatus.PAST_DUE else None
            )
        access_record(membership=state, at=at)
    for name, value in final.items():
        setattr(membership, name, value)


def subscription_with_prices(
    *, membership: Membership, prices: list[tuple[datetime, int, Decimal | int]], ended_at: datetime | None = None
) -> Subscription:
    """A subscription whose ledger holds ``prices`` [(from, amount per period, amount per month), ...].

    Made with a queryset update so the ledger holds exactly the prices given (no signal row).
    """
    customer, _created = StripeCustomer.objects.get_or_create(
        user=membership.user, defaults={"stripe_customer_id": f"cus_test_{next(_ids)}"}
    )
    subscription = Subscription.objects.create(
        stripe_subscription_id=f"sub_test_{next(_ids)}",
        membership=membership,
        customer=customer,
        plan=membership.plan,
        status=SubscriptionStatus.CANCELED if ended_at else SubscriptionStatus.ACTIVE,
        amount_minor=prices[-1][1],
        currency=membership.club.currency,
        stripe_created=prices[0][0],
        ended_at=ended_at,
    )
    subscription.price_changes.all().delete()
    for at, amount, monthly in prices:
        SubscriptionPriceChange.objects.create(
            subscription=subscription,
            membership=membership,
            effective_at=at,
            amount_minor=amount,
            currency=membership.club.currency,
            monthly_amount_minor=Decimal(monthly),
        )
    history_replay(membership=membership)
    return subscription


class NpsSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NpsSurvey

    membership = factory.SubFactory(MembershipFactory)
    club = factory.SelfAttribute("membership.club")
    round = factory.Sequence(lambda n: n + 1)
    created_at = factory.LazyFunction(lambda: datetime.now().astimezone())


def nps_answer(
    *, club, score: int, at: datetime, comment: str = "", membership: Membership | None = None
) -> NpsResponse:
    """An answer to a new survey; without ``membership``, from a former member (not counted as a member)."""
    membership = membership or MembershipFactory(club=club, plan=None, status=MembershipStatus.EXPIRED, started_at=None)
    survey = NpsSurveyFactory(membership=membership, created_at=at)
    return NpsResponse.objects.create(
        survey=survey, club=club, score=score, comment=comment, answered_at=at, respondent=survey.membership.user
    )
