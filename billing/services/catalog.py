"""Keep Stripe's catalog in step with clubs and plans: one Product per club, one active Price per plan."""

from dataclasses import dataclass, field

from django.db import transaction

from billing import gateway
from billing.models import StripePrice, StripeProduct
from clubs.models import Club, Plan


@dataclass
class CatalogSyncReport:
    products_created: int = 0
    products_renamed: int = 0
    prices_created: int = 0
    prices_archived: int = 0
    errors: list[str] = field(default_factory=list)


def _product_for(club: Club, report: CatalogSyncReport) -> StripeProduct:
    product = StripeProduct.objects.filter(club=club).first()
    if product is None:
        created = gateway.product_create(
            name=club.name, metadata={"club_id": str(club.pk)}, key=gateway.idempotency_key("product", club.pk)
        )
        report.products_created += 1
        return StripeProduct.objects.create(club=club, stripe_product_id=created.id, name=club.name)
    if product.name != club.name:
        gateway.product_update(product_id=product.stripe_product_id, name=club.name)
        product.name = club.name
        product.save(update_fields=["name", "updated_at"])
        report.products_renamed += 1
    return product


def _price_for(plan: Plan, product: StripeProduct, report: CatalogSyncReport) -> None:
    current = plan.stripe_prices.filter(active=True).first()
    if not plan.is_active:
        if current is not None:
            gateway.price_archive(price_id=current.stripe_price_id)
            current.active = False
            current.save(update_fields=["active"])
            report.prices_archived += 1
        return
    if current is not None and current.matches(plan):
        return
    created = gateway.price_create(
        product_id=product.stripe_product_id,
        amount_minor=plan.price_minor,
        currency=plan.currency,
        interval=plan.interval,
        interval_count=plan.interval_count,
        metadata={"plan_id": str(plan.pk), "club_id": str(plan.club_id)},
        key=gateway.idempotency_key(
            "price", plan.pk, plan.price_minor, plan.currency, plan.interval, plan.interval_count
        ),
    )
    if current is not None:
        # Stripe prices are immutable: archive the old one; its subscribers keep paying it.
        gateway.price_archive(price_id=current.stripe_price_id)
        current.active = False
        current.save(update_fields=["active"])
        report.prices_archived += 1
    StripePrice.objects.create(
        plan=plan,
        stripe_price_id=created.id,
        amount_minor=plan.price_minor,
        currency=plan.currency,
        interval=plan.interval,
        interval_count=plan.interval_count,
    )
    report.prices_created += 1


def catalog_sync(*, clubs=None) -> CatalogSyncReport:
    """Create or update Stripe products and prices; safe to run any number of times."""
    report = CatalogSyncReport()
    for club in clubs if clubs is not None else Club.objects.all():
        try:
            with transaction.atomic():
                product = _product_for(club, report)
                for plan in club.plans.all():
                    _price_for(plan, product, report)
        except gateway.GatewayError as error:
            report.errors.append(f"{club}: {error}")
    return report


def active_price_for(*, plan: Plan) -> StripePrice:
    """The price new subscribers pay, synced on demand so a new plan is sellable at once."""
    price = plan.stripe_prices.filter(active=True).first()
    if price is None or not price.matches(plan):
        report = catalog_sync(clubs=[plan.club])
        if report.errors:
            raise gateway.GatewayError("; ".join(report.errors))
        price = plan.stripe_prices.get(active=True)
    return price
