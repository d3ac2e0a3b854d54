"""Keep the analytics history in step with clubs and billing without touching their code.

billing rewrites a subscription's price in place on an upgrade and its pause (``pause_collection``), clubs a
membership's status, plan and complimentary flags, billing an invoice's running refund total; remembering the
loaded values at init and comparing after save costs no query unless something the figures need really changed.
"""

from django.db.models.signals import post_init, post_save
from django.dispatch import receiver
from django.utils import timezone

from analytics.models import SubscriptionPriceChange
from analytics.services.history import access_record, refund_record
from analytics.services.ledger import subscription_price_record
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, Invoice, Subscription
from clubs.models import Membership, MembershipStatusChange

PRICE_FIELDS = ("stripe_price_id", "amount_minor", "currency")
PAUSE_FIELDS = ("pause_behavior", "pause_resumes_at")
MEMBERSHIP_FIELDS = ("status", "grace_period_ends_at", "is_complimentary", "complimentary_until", "plan_id")
UNKNOWN = object()  # loaded without the fields compared (.only()): never worth a query to find out


def _key(instance, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(instance, field) for field in fields)


def _loaded(instance, fields: tuple[str, ...]):
    if instance.pk is None:
        return None
    if instance.get_deferred_fields() & set(fields):  # attnames: "plan_id"
        return UNKNOWN
    return _key(instance, fields)


@receiver(post_init, sender=Subscription)
def remember_loaded_price(sender, instance: Subscription, **kwargs) -> None:
    instance._analytics_loaded_price = _loaded(instance, PRICE_FIELDS)
    instance._analytics_loaded_pause = _loaded(instance, PAUSE_FIELDS)


@receiver(post_save, sender=Subscription)
def record_pause_change(sender, instance: Subscription, created: bool, raw: bool = False, **kwargs) -> None:
    """A pause begun, ended early, or its end date moved: the membership's access and paying state from now.

    A pause that ends by its date needs no record (the record carries ``paused_until``). A subscription that
    ended is left to the membership's status change, which is recorded when it is written: recording here
    first would put a moment "resumed" before "left while paused".
    """
    if raw:
        return
    loaded = getattr(instance, "_analytics_loaded_pause", None)
    current = _key(instance, PAUSE_FIELDS)
    instance._analytics_loaded_pause = current
    if loaded is UNKNOWN or (created and not instance.pause_behavior) or loaded == current:
        return
    if instance.status in TERMINAL_SUBSCRIPTION_STATUSES:
        return
    membership = Membership.objects.filter(pk=instance.membership_id).first()
    if membership is not None:
        access_record(membership=membership, at=timezone.now())


@receiver(post_save, sender=Subscription)
def record_price_change(sender, instance: Subscription, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    loaded = getattr(instance, "_analytics_loaded_price", None)
    if loaded is UNKNOWN:
        return
    if created or loaded != _key(instance, PRICE_FIELDS):
        at = (instance.stripe_created or timezone.now()) if created else timezone.now()
        subscription_price_record(subscription=instance, at=at)
    instance._analytics_loaded_price = _key(instance, PRICE_FIELDS)


@receiver(post_save, sender=SubscriptionPriceChange)
def record_access_on_price(sender, instance: SubscriptionPriceChange, created: bool, raw: bool = False, **kw) -> None:
    """A new price: what the membership pays per month from then on."""
    if raw or not created:
        return
    membership = Membership.objects.filter(pk=instance.membership_id).first()
    if membership is not None:
        access_record(membership=membership, at=instance.effective_at)


@receiver(post_init, sender=Membership)
def remember_loaded_membership(sender, instance: Membership, **kwargs) -> None:
    instance._analytics_loaded_state = _loaded(instance, MEMBERSHIP_FIELDS)


@receiver(post_save, sender=Membership)
def record_membership_change(sender, instance: Membership, created: bool, raw: bool = False, **kwargs) -> None:
    """A plan or complimentary change is recorded now; a status change when its history row is written."""
    if raw:
        return
    loaded = getattr(instance, "_analytics_loaded_state", None)
    current = _key(instance, MEMBERSHIP_FIELDS)
    if loaded is UNKNOWN:
        return
    status_changed = loaded is not None and loaded[0] != current[0]
    if (created or loaded != current) and not status_changed:
        access_record(membership=instance)
    instance._analytics_loaded_state = current


@receiver(post_save, sender=MembershipStatusChange)
def record_status_change(sender, instance: MembershipStatusChange, created: bool, raw: bool = False, **kw) -> None:
    """clubs.services.membership_transition saves the membership, then this row, dated when it happened."""
    if raw or not created:
        return
    access_record(membership=instance.membership, at=instance.changed_at)


@receiver(post_init, sender=Invoice)
def remember_loaded_refund(sender, instance: Invoice, **kwargs) -> None:
    loaded = _loaded(instance, ("amount_refunded_minor",))
    instance._analytics_loaded_refund = loaded if loaded in (None, UNKNOWN) else loaded[0]


@receiver(post_save, sender=Invoice)
def record_refund(sender, instance: Invoice, created: bool, raw: bool = False, **kwargs) -> None:
    """The refunded total grew (or shrank): that difference is counted today, the day it changed."""
    if raw:
        return
    loaded = getattr(instance, "_analytics_loaded_refund", None)
    if loaded is UNKNOWN:
        return
    difference = instance.amount_refunded_minor - (loaded or 0)
    if difference:
        refund_record(invoice=instance, amount_minor=difference)
    instance._analytics_loaded_refund = instance.amount_refunded_minor
