"""Give every subscription that existed before the ledger one row, from its creation at Stripe."""

from decimal import Decimal
from fractions import Fraction

from django.db import migrations

MONTHS = {"day": Fraction(12, 365), "week": Fraction(12, 52), "month": Fraction(1), "year": Fraction(12)}


def backfill(apps, schema_editor):
    Subscription = apps.get_model("billing", "Subscription")
    StripePrice = apps.get_model("billing", "StripePrice")
    SubscriptionPriceChange = apps.get_model("analytics", "SubscriptionPriceChange")
    prices = {price.stripe_price_id: price for price in StripePrice.objects.all()}
    rows = []
    for subscription in Subscription.objects.select_related("plan").filter(price_changes__isnull=True):
        source = prices.get(subscription.stripe_price_id) or subscription.plan
        months = MONTHS[source.interval] * source.interval_count if source else Fraction(1)
        monthly = Decimal(subscription.amount_minor) * months.denominator / months.numerator
        rows.append(
            SubscriptionPriceChange(
                subscription=subscription,
                membership_id=subscription.membership_id,
                effective_at=subscription.stripe_created or subscription.created_at,
                stripe_price_id=subscription.stripe_price_id,
                amount_minor=subscription.amount_minor,
                currency=subscription.currency,
                monthly_amount_minor=monthly.quantize(Decimal("0.0001")),
            )
        )
    SubscriptionPriceChange.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
