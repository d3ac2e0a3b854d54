"""The subscription price ledger: what each subscription was worth per month, and since when."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from analytics.models import SubscriptionPriceChange
from billing.models import StripePrice, Subscription
from clubs.models import MONTHS_PER_INTERVAL, PlanInterval


def subscription_months(*, subscription: Subscription) -> Fraction:
    """Months in one billing period, by the price actually paid (an archived price keeps its interval).

    Same normalisation as billing.selectors.mrr_by_club_and_plan: the Stripe price first, then the plan.
    """
    price = StripePrice.objects.filter(stripe_price_id=subscription.stripe_price_id).first()
    if price is not None:
        return MONTHS_PER_INTERVAL[PlanInterval(price.interval)] * price.interval_count
    if subscription.plan_id:
        return subscription.plan.months
    return Fraction(1)


def subscription_price_record(*, subscription: Subscription, at: datetime | None = None) -> SubscriptionPriceChange:
    """Append the subscription's current price to the ledger (callers check that it changed)."""
    months = subscription_months(subscription=subscription)
    monthly = Decimal(subscription.amount_minor) / Decimal(months.numerator) * Decimal(months.denominator)
    return SubscriptionPriceChange.objects.create(
        subscription=subscription,
        membership_id=subscription.membership_id,
        effective_at=at or timezone.now(),
        stripe_price_id=subscription.stripe_price_id,
        amount_minor=subscription.amount_minor,
        currency=subscription.currency,
        monthly_amount_minor=monthly.quantize(Decimal("0.0001")),
    )
