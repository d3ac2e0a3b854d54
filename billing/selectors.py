"""Reads for billing pages: the local mirror only, never a call to Stripe."""

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count

from billing.models import Invoice, StripeCustomer, StripePrice, Subscription, SubscriptionStatus
from clubs.models import MONTHS_PER_INTERVAL, Membership, PlanInterval

RENEWING_STATUSES = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
HISTORY_LENGTH = 24


@dataclass(frozen=True)
class MemberBilling:
    membership: Membership
    subscription: Subscription | None
    invoices: list[Invoice]

    @property
    def customer(self) -> StripeCustomer | None:
        return self.subscription.customer if self.subscription else None

    @property
    def credit_minor(self) -> int:
        """Credit Stripe holds for the member (the mirrored customer balance): it pays their next invoices."""
        return self.customer.credit_minor if self.customer else 0

    @property
    def credit_currency(self) -> str:
        customer = self.customer
        return (customer.balance_currency or self.subscription.currency) if customer else ""

    @property
    def open_invoice(self) -> Invoice | None:
        """The newest invoice still owed, with Stripe's page to pay it now (past due)."""
        return next((invoice for invoice in self.invoices if invoice.status == "open"), None)

    @property
    def renews(self) -> bool:
        subscription = self.subscription
        return bool(subscription and subscription.status in RENEWING_STATUSES and not subscription.cancel_at_period_end)

    @property
    def ends_at_period_end(self) -> bool:
        subscription = self.subscription
        return bool(subscription and subscription.status in RENEWING_STATUSES and subscription.cancel_at_period_end)


def member_billing(*, membership: Membership) -> MemberBilling:
    """The member's newest subscription and payment history for one club (2 queries)."""
    subscription = (
        membership.subscriptions.select_related("plan", "customer").order_by("-stripe_created", "-pk").first()
    )
    invoices = list(
        Invoice.objects.filter(subscription__membership=membership).order_by("-stripe_created")[:HISTORY_LENGTH]
    )
    return MemberBilling(membership=membership, subscription=subscription, invoices=invoices)


# --- Staff: revenue -----------------------------------------------------------------------------

# Paying subscriptions. Trials bring no revenue yet; complimentary memberships have no subscription.
MRR_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


@dataclass(frozen=True)
class MrrRow:
    club: str
    plan: str
    currency: str
    subscriptions: int
    mrr_minor: int


def mrr_by_club_and_plan() -> list[MrrRow]:
    """Monthly recurring revenue per club and plan, grouped in SQL (one row per price).

    Each price's amount is normalised to a month by its own interval, so a member still paying an
    archived price counts at what they really pay.
    """
    from django.utils import timezone

    from billing.services.pause import paused_filter

    grouped = (
        Subscription.objects.filter(status__in=MRR_STATUSES, membership__is_complimentary=False)
        .exclude(paused_filter(timezone.now()))  # a paused subscription pays nothing until it resumes
        .values("membership__club__name", "plan__name", "currency", "amount_minor", "stripe_price_id")
        .annotate(count=Count("pk"))
        .order_by("membership__club__name", "plan__name")
    )
    prices = {
        price.stripe_price_id: price
        for price in StripePrice.objects.filter(stripe_price_id__in=[row["stripe_price_id"] for row in grouped])
    }
    totals: dict[tuple[str, str, str], list[int]] = {}
    for row in grouped:
        price = prices.get(row["stripe_price_id"])
        months = MONTHS_PER_INTERVAL[PlanInterval(price.interval)] * price.interval_count if price else Fraction(1)
        key = (row["membership__club__name"], row["plan__name"] or "—", row["currency"])
        entry = totals.setdefault(key, [0, Fraction(0)])
        entry[0] += row["count"]
        entry[1] += Fraction(row["amount_minor"] * row["count"]) / months
    return [
        MrrRow(club=club, plan=plan, currency=currency, subscriptions=count, mrr_minor=round(mrr))
        for (club, plan, currency), (count, mrr) in totals.items()
    ]


def mrr_totals_by_currency(rows: list[MrrRow]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.currency] = totals.get(row.currency, 0) + row.mrr_minor
    return totals


# --- Pause instead of cancel (billing/services/pause.py) -------------------------------------------


def paused_memberships(*, clubs, now=None):
    """Memberships whose payments are paused now: neither churned nor paying (analytics counts them apart).

    One query; ``clubs`` is any iterable or queryset of clubs.
    """
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from billing.services.pause import paused_filter

    paused = Subscription.objects.filter(paused_filter(now or timezone.now()), membership=OuterRef("pk"))
    return Membership.objects.filter(club__in=clubs, is_complimentary=False).filter(Exists(paused))
