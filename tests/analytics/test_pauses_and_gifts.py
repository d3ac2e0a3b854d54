"""Issue 22: paused members are counted apart (not paying, not lost), and gifts are their own source of new members.

The expected figures are written out from the definitions (docs/analytics.md), never from the selectors.
"""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from analytics.models import AccessRecord
from analytics.selectors.metrics import period_metrics
from analytics.selectors.period import Period
from billing.models import BillingSettings, Gift, Subscription, SubscriptionStatus
from billing.services.gifts import gift_redeem
from clubs.models import Club, MembershipStatus
from clubs.services import membership_transition
from tests.analytics.factories import clock_at, member_with_history, subscription_with_prices
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
PAUSED_ON = datetime(2026, 2, 10, 9, tzinfo=UTC)
RESUMES_ON = datetime(2026, 4, 10, 9, tzinfo=UTC)


def _figures(club, first: date, last: date):
    return period_metrics(clubs=Club.objects.filter(pk=club.pk), period=Period(first_day=first, last_day=last)).clubs[0]


def _paying_member(club):
    membership = member_with_history(club=club, plan=club.plans.first(), history=[(JAN_1, "active")])
    subscription_with_prices(membership=membership, prices=[(JAN_1, 500, 500)])
    return membership


def _pause(membership, *, at: datetime, until: datetime | None) -> Subscription:
    """As billing mirrors Stripe's ``pause_collection`` (billing.services.subscriptions.subscription_apply)."""
    subscription = membership.subscriptions.get()
    with clock_at(at):
        subscription.pause_behavior, subscription.pause_resumes_at = "void", until
        subscription.save()
    return subscription


@pytest.mark.parametrize("keeps_access", [False, True])
def test_paused_member_is_not_counted_as_paying_or_churned(club, keeps_access):
    """Before issue 22 a paused member counted as paying (MRR) and, without access, as lost."""
    BillingSettings.objects.create(club=club, paused_keep_access=keeps_access)
    membership = _paying_member(club)
    _pause(membership, at=PAUSED_ON, until=RESUMES_ON)

    february = _figures(club, date(2026, 2, 1), date(2026, 2, 28))
    members, money = february.members, february.money
    # S: a customer on 1 February. E: a customer on 1 March only where paused members keep access.
    assert (members.start, members.end, members.new) == (1, int(keeps_access), 0)
    assert (members.churned, members.churn_rate, members.retention_rate) == (0, 0, 100)
    assert (members.paused_end, members.paused_during, members.resumed, members.left_while_paused) == (1, 1, 0, 0)
    assert (money.paying_end, money.mrr_start, money.mrr_end) == (0, 500, 0)
    assert (money.paused, money.churned) == (500, 0)

    # Resumes by its date (10 April), with no event from Stripe: paying again at the end of April, not new.
    april = _figures(club, date(2026, 4, 1), date(2026, 4, 30))
    members, money = april.members, april.money
    assert (members.start, members.end, members.new, members.churned) == (int(keeps_access), 1, 0, 0)
    assert (members.paused_end, members.paused_during, members.resumed) == (0, 1, 1)
    assert (money.paying_end, money.mrr_start, money.mrr_end, money.resumed, money.new) == (1, 0, 500, 500, 0)
    # The access time left out while paused without access: January to 10 February, then 10 April on.
    record = AccessRecord.objects.filter(membership=membership, valid_to__isnull=True).get()
    assert record.access_at(RESUMES_ON) and record.access_at(PAUSED_ON) is keeps_access


def test_cancelling_while_paused_is_leaving_while_paused(club):
    membership = _paying_member(club)
    subscription = _pause(membership, at=PAUSED_ON, until=None)  # until someone resumes it
    left_on = datetime(2026, 3, 5, 12, tzinfo=UTC)
    with clock_at(left_on):
        subscription.status, subscription.ended_at = SubscriptionStatus.CANCELED, left_on
        subscription.save()
        membership_transition(membership=membership, to_status=MembershipStatus.CANCELED, at=left_on)

    march = _figures(club, date(2026, 3, 1), date(2026, 3, 31)).members
    # Paused without access on 1 March (not a customer, so not in S), gone on 1 April: left while paused.
    assert (march.start, march.end, march.churned) == (0, 0, 0)
    assert (march.paused_during, march.paused_end, march.resumed, march.left_while_paused) == (1, 0, 0, 1)
    february = _figures(club, date(2026, 2, 1), date(2026, 2, 28)).members
    assert (february.start, february.churned, february.paused_end) == (1, 0, 1)


def test_resuming_early_is_recorded_when_it_happens(club):
    BillingSettings.objects.create(club=club, paused_keep_access=True)
    membership = _paying_member(club)
    subscription = _pause(membership, at=PAUSED_ON, until=RESUMES_ON)
    with clock_at(datetime(2026, 2, 20, tzinfo=UTC)):
        subscription.pause_behavior, subscription.pause_resumes_at = "", None
        subscription.save()

    february = _figures(club, date(2026, 2, 1), date(2026, 2, 28))
    assert (february.members.paused_during, february.members.resumed, february.members.paused_end) == (1, 1, 0)
    assert (february.money.mrr_end, february.money.paused, february.money.resumed) == (500, 0, 0)


def _gift(club, user, at: datetime) -> Gift:
    gift = Gift.objects.create(
        club=club, months=1, amount_minor=500, currency=club.currency, buyer_email="giver@example.com",
        recipient_email=user.email, stripe_checkout_session_id=f"cs_test_{user.pk}", paid_at=at,
    )  # fmt: skip
    with clock_at(at):
        return gift_redeem(gift=gift, user=user, now=at)


def test_gift_redemptions_are_their_own_source_of_new_members(client, club):
    """Three new members in March: one by a gift, one who paid, and a former member back by a gift (not new)."""
    _gift(club, UserFactory(), datetime(2026, 3, 3, 10, tzinfo=UTC))
    member_with_history(club=club, plan=club.plans.first(), history=[(datetime(2026, 3, 4, tzinfo=UTC), "active")])
    former = member_with_history(
        club=club,
        plan=club.plans.first(),
        history=[(datetime(2025, 6, 1, tzinfo=UTC), "active"), (datetime(2025, 9, 1, tzinfo=UTC), "canceled")],
    )
    _gift(club, former.user, datetime(2026, 3, 6, 10, tzinfo=UTC))

    march = _figures(club, date(2026, 3, 1), date(2026, 3, 31)).members
    assert (march.start, march.new, march.end, march.new_from_gifts) == (0, 3, 3, 1)
    assert _figures(club, date(2026, 2, 1), date(2026, 2, 28)).members.new_from_gifts == 0

    leader = UserFactory()
    club.leaders.add(leader)
    client.force_login(leader)
    query = "?start=2026-03-01&end=2026-03-31"
    response = client.get(reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]) + query)
    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert (row["new_members"], row["new_members_from_gifts"]) == ("3", "1")
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("analytics:staff-dashboard-csv", args=["summary"]) + query)
    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert row["new_members_from_gifts"] == "1"


def test_migration_gives_members_paused_now_a_record_that_carries_the_pause(club):
    """analytics 0006: history before it is unknown, so a pause already running is recorded from the migration on."""
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    membership = _paying_member(club)
    resumes = timezone.now() + timedelta(days=20)
    Subscription.objects.filter(membership=membership).update(pause_behavior="void", pause_resumes_at=resumes)
    assert not AccessRecord.objects.filter(membership=membership, is_paused=True).exists()  # no signal on update()

    import_module("analytics.migrations.0006_access_pause_and_gifts").backfill(apps, None)

    record = AccessRecord.objects.get(membership=membership, valid_to__isnull=True)
    assert (record.is_paused, record.paused_until, record.access_from, record.has_access) == (
        True,
        resumes,
        resumes,
        True,
    )
    assert not record.access_at(timezone.now()) and record.access_at(resumes)
    previous = AccessRecord.objects.filter(membership=membership, valid_to=record.valid_from).get()
    assert record.access_before == record.valid_from - previous.valid_from + previous.access_before
