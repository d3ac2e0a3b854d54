"""Member-exclusive offers: what a club sells to its members, who was emailed about it, who bought it.

Exactly-once email delivery rests on two rows: ``OfferDelivery`` is unique per offer and member (so no
resolution, however often repeated, can queue a member twice), and its status only ever moves
pending -> sending -> sent through conditional UPDATEs (so no two workers can both hand it to SMTP).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Membership, Plan
from core.money import CURRENCY_CHOICES, STRIPE_MAX_AMOUNT_MINOR
from core.storage import private_media_storage
from core.text import SINGLE_LINE_MESSAGE, has_line_break


class OfferKind(models.TextChoices):
    PRODUCT = "product", _("A product or service at a member price")
    DISCOUNT = "discount", _("A discount code (coupon)")


class Audience(models.TextChoices):
    ALL = "all", _("All members with access")
    PLAN = "plan", _("Members on one plan")
    MEMBERSHIP_AGE = "membership_age", _("Members for at least N days")
    ATTENDED = "attended", _("Members who attended at least N events")
    INACTIVE = "inactive", _("Members inactive for N days")


def offer_image_upload_to(instance: "Offer", filename: str) -> str:
    """A generated name with the re-encoded format's extension (never the upload's name, e.g. promo.html)."""
    from members.images import generated_name

    return generated_name(f"offer-images/{instance.club_id}", filename)


class Offer(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="offers", verbose_name=_("club"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("description"))
    # Member content: stored in the private root (core/storage.py), served by offers.views.offer_image.
    image = models.ImageField(_("image"), upload_to=offer_image_upload_to, storage=private_media_storage, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OfferKind.choices, default=OfferKind.PRODUCT)
    price_minor = models.PositiveIntegerField(
        _("price (minor units)"),
        validators=[MaxValueValidator(STRIPE_MAX_AMOUNT_MINOR)],
        help_text=_("For a discount, the regular price the discount applies to."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    amount_off_minor = models.PositiveIntegerField(
        _("amount off (minor units)"), null=True, blank=True, validators=[MaxValueValidator(STRIPE_MAX_AMOUNT_MINOR)]
    )
    quantity_limit = models.PositiveIntegerField(
        _("quantity limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no limit."),
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # Empty: a draft only the club's leaders see. Members see the offer from this moment (now, or scheduled).
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Empty: a draft only leaders see. Members see the offer from this time on."),
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL)
    audience_plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("plan")
    )
    audience_days = models.PositiveIntegerField(
        _("days"), null=True, blank=True, help_text=_("Membership age or inactivity, in days.")
    )
    audience_min_events = models.PositiveIntegerField(_("at least this many events"), null=True, blank=True)
    # The Stripe product the offer is sold as: its coupon applies to this product only.
    stripe_product_id = models.CharField(_("Stripe product"), max_length=255, blank=True)
    stripe_coupon_id = models.CharField(_("Stripe coupon"), max_length=255, blank=True)
    stripe_promotion_code_id = models.CharField(_("Stripe promotion code"), max_length=255, blank=True)
    promotion_code = models.CharField(_("promotion code"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-valid_from", "-pk"]
        indexes = [models.Index(fields=["club", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_off__isnull=True) | Q(percent_off__gte=1, percent_off__lte=100),
                name="offer_percent_off_between_1_and_100",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("offers:offer-detail", args=[self.club.slug, self.pk])

    def clean(self) -> None:
        """The title is the subject line of the offer email: one line only."""
        super().clean()
        if has_line_break(self.title):
            raise ValidationError({"title": SINGLE_LINE_MESSAGE})

    @property
    def is_discount(self) -> bool:
        return self.kind == OfferKind.DISCOUNT

    def is_expired(self, now=None) -> bool:
        return self.valid_until is not None and self.valid_until <= (now or timezone.now())

    def has_started(self, now=None) -> bool:
        return self.valid_from <= (now or timezone.now())

    def is_published(self, now=None) -> bool:
        """Members see an offer once it is published; before, it is a draft (or scheduled) only leaders see."""
        return self.publish_at is not None and self.publish_at <= (now or timezone.now())

    def is_visible_to_members(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_published(now) and self.has_started(now)

    @property
    def amount_due_minor(self) -> int:
        """What the member pays at checkout (the discount is applied by Stripe for discount offers)."""
        if self.kind == OfferKind.PRODUCT:
            return self.price_minor
        if self.percent_off:
            return self.price_minor - (self.price_minor * self.percent_off + 50) // 100
        return max(self.price_minor - (self.amount_off_minor or 0), 0)


class SendStatus(models.TextChoices):
    RESOLVING = "resolving", _("Finding recipients")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")


class OfferSend(models.Model):
    """One press of "Send to members": recipients resolved once, with what was skipped and why."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sends", verbose_name=_("offer"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )
    status = models.CharField(_("status"), max_length=10, choices=SendStatus.choices, default=SendStatus.RESOLVING)
    queued_count = models.PositiveIntegerField(_("queued"), default=0)
    skipped_opted_out = models.PositiveIntegerField(_("skipped: offers turned off"), default=0)
    skipped_unsubscribed = models.PositiveIntegerField(_("skipped: unsubscribed"), default=0)
    skipped_capped = models.PositiveIntegerField(_("skipped: weekly limit reached"), default=0)
    skipped_suppressed = models.PositiveIntegerField(_("skipped: address suppressed"), default=0)
    already_sent = models.PositiveIntegerField(_("already received this offer"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("recipients resolved"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer send")
        verbose_name_plural = _("offer sends")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.offer} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def skipped_count(self) -> int:
        return self.skipped_opted_out + self.skipped_unsubscribed + self.skipped_capped + self.skipped_suppressed


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryBatch(models.Model):
    """Up to OFFER_BATCH_SIZE deliveries sent by one worker over one SMTP connection."""

    send = models.ForeignKey(OfferSend, on_delete=models.CASCADE, related_name="batches", verbose_name=_("send"))
    status = models.CharField(_("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery batch")
        verbose_name_plural = _("delivery batches")
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.status})"


# The error of a delivery whose worker stopped after handing it to the mail server and before recording the
# answer: marked failed, never sent again (offers/services/sending.py), counted "in doubt" on the results page.
IN_DOUBT_ERROR = "in doubt: the worker stopped after handing this email to the mail server"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Handed to the mail server")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped: address suppressed")


class OfferDelivery(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("offer"))
    # Denormalised from the offer: the weekly cap counts a member's offer emails per club.
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="+", verbose_name=_("club"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_deliveries", verbose_name=_("member")
    )
    batch = models.ForeignKey(
        DeliveryBatch, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("batch")
    )
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer delivery")
        verbose_name_plural = _("offer deliveries")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["offer", "user"], name="one_offer_delivery_per_member")]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["club", "user", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.user_id} ({self.status})"


class OfferUnsubscribe(models.Model):
    """A member asked for no more offer emails from this club (one click in an email)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="+", verbose_name=_("club"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_unsubscribes", verbose_name=_("member")
    )
    created_at = models.DateTimeField(_("unsubscribed"), default=timezone.now)

    class Meta:
        verbose_name = _("offer unsubscribe")
        verbose_name_plural = _("offer unsubscribes")
        constraints = [models.UniqueConstraint(fields=["club", "user"], name="one_offer_unsubscribe_per_club")]

    def __str__(self) -> str:
        return f"{self.user_id} ✕ {self.club}"


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Awaiting payment")
    # Checkout completed with a delayed method (SEPA debit): the unit stays held until the bank answers.
    PENDING = "pending", _("Payment processing")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Expired")


# A paid unit, or one whose delayed payment is still on its way, is taken (an open reservation too).
UNITS_TAKEN = (RedemptionStatus.PAID, RedemptionStatus.PENDING)


class Redemption(models.Model):
    """A member buying an offer. A reservation holds one unit of a limited offer while Checkout is open."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("offer"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_redemptions", verbose_name=_("member")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("membership")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RedemptionStatus.choices, default=RedemptionStatus.RESERVED
    )
    reserved_until = models.DateTimeField(_("reserved until"))
    stripe_checkout_session_id = models.CharField(_("Stripe checkout session"), max_length=255, blank=True)
    checkout_url = models.URLField(_("checkout URL"), max_length=1000, blank=True)
    stripe_payment_intent_id = models.CharField(_("Stripe payment intent"), max_length=255, blank=True)
    amount_minor = models.PositiveIntegerField(_("amount paid (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "user"],
                condition=Q(status="paid"),
                name="one_paid_redemption_per_member_and_offer",
            ),
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"],
                condition=~Q(stripe_checkout_session_id=""),
                name="one_redemption_per_checkout_session",
            ),
        ]
        indexes = [models.Index(fields=["offer", "status", "reserved_until"])]

    def __str__(self) -> str:
        return f"{self.offer} — {self.user_id} ({self.status})"
