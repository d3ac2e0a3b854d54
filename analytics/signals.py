"""Keep the price ledger in step with billing's subscriptions without touching billing's code.

billing rewrites a subscription's price in place on an upgrade; remembering the loaded price at
init and comparing after save costs no query unless the price really changed.
"""

from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.utils import timezone

from analytics.services.ledger import subscription_price_record
from billing.models import Subscription

PRICE_FIELDS = ("stripe_price_id", "amount_minor", "currency")
UNKNOWN = object()  # loaded without its price fields (.only()): never worth a query to find out


def _price_key(subscription: Subscription) -> tuple:
    return tuple(getattr(subscription, field) for field in PRICE_FIELDS)


@receiver(post_init, sender=Subscription)
def remember_loaded_price(sender, instance: Subscription, **kwargs) -> None:
    if instance.pk is None:
        instance._analytics_loaded_price = None
    elif instance.get_deferred_fields() & set(PRICE_FIELDS):
        instance._analytics_loaded_price = UNKNOWN
    else:
        instance._analytics_loaded_price = _price_key(instance)


@receiver(post_save, sender=Subscription)
def record_price_change(sender, instance: Subscription, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    loaded = getattr(instance, "_analytics_loaded_price", None)
    if loaded is UNKNOWN:
        return
    if created or loaded != _price_key(instance):
        at = (instance.stripe_created or timezone.now()) if created else timezone.now()
        subscription_price_record(subscription=instance, at=at)
    instance._analytics_loaded_price = _price_key(instance)
