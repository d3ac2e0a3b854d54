"""A local mirror of the Stripe objects this site owns, and every webhook event as received.

Stripe is the source of truth. These rows are what webhooks and reconciliation last saw; pages
read them so that no page waits on Stripe. (After dj-stripe's models and webhook log.)
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Membership, Plan


class StripeCustomer(models.Model):
    """One Stripe customer per user, reused for every club they join."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer", verbose_name=_("user")
    )
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=255, unique=True)
    email = models.EmailField(_("email at Stripe"), blank=True)
    # Stripe's customer balance, mirrored so that pages never ask Stripe: negative is credit (a downgrade's
    # unused time, a referral reward) that Stripe takes off the next invoices; positive is owed.
    balance_minor = models.IntegerField(_("balance (minor units; negative is credit)"), default=0)
    balance_currency = models.CharField(_("balance currency"), max_length=3, blank=True)
    balance_as_of = models.DateTimeField(_("balance as of"), null=True, blank=True)
    # Set by customer.deleted (a customer deleted in the Dashboard): the next checkout creates a new one.
    deleted_at = models.DateTimeField(_("deleted at Stripe"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self) -> str:
        return f"{self.stripe_customer_id} ({self.user.email})"

    @property
    def credit_minor(self) -> int:
        """The credit Stripe holds for the customer (0 when they owe or have none)."""
        return max(-self.balance_minor, 0)


class StripeProduct(models.Model):
    """Each club is one Stripe Product."""

    club = models.OneToOneField(
        "clubs.Club", on_delete=models.PROTECT, related_name="stripe_product", verbose_name=_("club")
    )
    stripe_product_id = models.CharField(_("Stripe product id"), max_length=255, unique=True)
    name = models.CharField(_("name at Stripe"), max_length=255)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe product")
        verbose_name_plural = _("Stripe products")

    def __str__(self) -> str:
        return self.stripe_product_id


class StripePrice(models.Model):
    """A recurring Stripe Price of a plan. Prices are immutable at Stripe: a new amount is a new row,
    the old one archived; subscribers on an archived price keep it and still map to their plan."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="stripe_prices", verbose_name=_("plan"))
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=255, unique=True)
    amount_minor = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    interval = models.CharField(_("interval"), max_length=5)
    interval_count = models.PositiveSmallIntegerField(_("interval count"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe price")
        verbose_name_plural = _("Stripe prices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(active=True), name="one_active_stripe_price_per_plan"
            )
        ]

    def __str__(self) -> str:
        return self.stripe_price_id

    def matches(self, plan: Plan) -> bool:
        return (self.amount_minor, self.currency.upper(), self.interval, self.interval_count) == (
            plan.price_minor,
            plan.currency.upper(),
            plan.interval,
            plan.interval_count,
        )


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses, verbatim."""

    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    CANCELED = "canceled", _("Canceled")
    UNPAID = "unpaid", _("Unpaid")
    PAUSED = "paused", _("Paused")


# Stripe never moves a subscription out of these.
TERMINAL_SUBSCRIPTION_STATUSES = (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED)


class Subscription(models.Model):
    stripe_subscription_id = models.CharField(_("Stripe subscription id"), max_length=255, unique=True)
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("membership")
    )
    customer = models.ForeignKey(
        StripeCustomer, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("customer")
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions", verbose_name=_("plan")
    )
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SubscriptionStatus.choices)
    cancel_at_period_end = models.BooleanField(_("cancels at period end"), default=False)
    current_period_start = models.DateTimeField(_("current period start"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    trial_end = models.DateTimeField(_("trial ends"), null=True, blank=True)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    amount_minor = models.PositiveIntegerField(_("amount per period (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # A coupon on the subscription (a save offer: the next period at a discount), as applied through
    # ``subscription_discount_apply``; cleared when Stripe reports the subscription without discounts.
    discount_coupon_id = models.CharField(_("Stripe coupon id of the discount"), max_length=255, blank=True)
    discount_percent_off = models.DecimalField(
        _("discount (percent off)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    discount_amount_off_minor = models.PositiveIntegerField(_("discount (amount off)"), null=True, blank=True)
    stripe_created = models.DateTimeField(_("created at Stripe"), null=True, blank=True)
    # The creation time of the newest event applied: older snapshots never overwrite newer ones.
    last_event_created = models.DateTimeField(_("newest event applied"), null=True, blank=True)
    # Stripe's ``pause_collection`` (billing/services/pause.py): a behaviour while collection is paused ('' when it
    # is not) and when Stripe resumes it (empty with a behaviour: paused until someone resumes it). Stripe keeps the
    # status active meanwhile, so a paused member is never past due; the access rule reads these two fields.
    pause_behavior = models.CharField(_("payments paused (behaviour)"), max_length=20, blank=True)
    pause_resumes_at = models.DateTimeField(_("payments resume"), null=True, blank=True)
    # The ``pause_resumes_at`` the "your membership resumes soon" email went out for: once per pause.
    pause_reminded_for = models.DateTimeField(_("resume reminder sent for"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status"]),
            # The access rule's "paused now" test on every membership (billing/services/pause.py) reads the few
            # paused subscriptions, not all of them (bench/analytics: a scan of 100,000 per dashboard query).
            models.Index(
                fields=["membership"], condition=models.Q(pause_behavior__gt=""), name="billing_subscription_paused"
            ),
        ]

    def __str__(self) -> str:
        return self.stripe_subscription_id

    @property
    def next_amount_minor(self) -> int:
        """The next period's price after the discount on the subscription (as Stripe rounds it)."""
        if self.discount_percent_off is not None:
            return self.amount_minor - int((self.amount_minor * int(self.discount_percent_off * 100) + 5000) // 10000)
        if self.discount_amount_off_minor is not None:
            return max(self.amount_minor - self.discount_amount_off_minor, 0)
        return self.amount_minor

    def is_paused(self, now: datetime | None = None) -> bool:
        """Collection paused at Stripe and not yet due to resume (the same test as the access rule's)."""
        if not self.pause_behavior or self.status in TERMINAL_SUBSCRIPTION_STATUSES:
            return False
        return self.pause_resumes_at is None or self.pause_resumes_at > (now or timezone.now())

    @property
    def has_discount(self) -> bool:
        return self.discount_percent_off is not None or self.discount_amount_off_minor is not None


class Invoice(models.Model):
    stripe_invoice_id = models.CharField(_("Stripe invoice id"), max_length=255, unique=True)
    customer = models.ForeignKey(
        StripeCustomer, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("customer")
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("subscription"),
    )
    stripe_subscription_id = models.CharField(_("Stripe subscription id"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20)
    billing_reason = models.CharField(_("billing reason"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount_due_minor = models.IntegerField(_("amount due"), default=0)
    amount_paid_minor = models.IntegerField(_("amount paid"), default=0)
    amount_refunded_minor = models.IntegerField(_("amount refunded"), default=0)
    # The customer's balance before and after this invoice (negative is credit): the difference is the
    # credit the invoice used (or, for a downgrade's negative total, the credit it created).
    starting_balance_minor = models.IntegerField(_("customer balance before"), default=0)
    ending_balance_minor = models.IntegerField(_("customer balance after"), default=0)
    # The payment that paid it, from its InvoicePayment (2025 API versions: a charge names no invoice).
    stripe_payment_intent_id = models.CharField(_("Stripe payment intent id"), max_length=255, blank=True)
    stripe_charge_id = models.CharField(_("Stripe charge id"), max_length=255, blank=True)
    hosted_invoice_url = models.URLField(_("invoice page"), max_length=1000, blank=True)
    invoice_pdf = models.URLField(_("invoice PDF"), max_length=1000, blank=True)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    stripe_created = models.DateTimeField(_("created at Stripe"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_failed_notified_at = models.DateTimeField(_("member told of failed payment"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-stripe_created"]
        # Revenue by the day paid (analytics reads a period's open hours live, the closed days from snapshots).
        indexes = [models.Index(fields=["paid_at"], name="billing_invoice_paid_at")]

    def __str__(self) -> str:
        return self.stripe_invoice_id

    @property
    def credit_applied_minor(self) -> int:
        """Credit from the customer balance that paid (part of) this invoice."""
        if self.starting_balance_minor >= 0:
            return 0
        return max(self.ending_balance_minor - self.starting_balance_minor, 0)

    @property
    def credit_created_minor(self) -> int:
        """Credit this invoice added to the balance (a downgrade's unused time worth more than the new price)."""
        return max(self.starting_balance_minor - self.ending_balance_minor, 0)

    @property
    def refundable_minor(self) -> int:
        return max(self.amount_paid_minor - self.amount_refunded_minor, 0)


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """Every verified Stripe event, stored before anything else happens to it."""

    stripe_event_id = models.CharField(_("Stripe event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    api_version = models.CharField(_("API version"), max_length=40, blank=True)
    livemode = models.BooleanField(_("live mode"), default=False)
    stripe_created = models.DateTimeField(_("created at Stripe"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-stripe_created", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"


class ActivationEmail(models.Model):
    """The "your membership is active" email, at most once per activation (one row per status change).

    An activation is the status change that gives a membership access through payment (from pending,
    canceled or expired to trialing or active); a rejoin is a new activation and gets its own email.
    """

    status_change = models.OneToOneField(
        "clubs.MembershipStatusChange",
        on_delete=models.CASCADE,
        related_name="activation_email",
        verbose_name=_("status change"),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("activation email")
        verbose_name_plural = _("activation emails")

    def __str__(self) -> str:
        return f"activation email #{self.status_change_id}"


class BillingSettings(models.Model):
    """A club's billing choices that only billing reads: which pause lengths members may pick, and whether a paused
    member keeps access. A club without a row has the defaults (every length offered, no access while paused)."""

    club = models.OneToOneField(
        "clubs.Club", on_delete=models.CASCADE, related_name="billing_settings", verbose_name=_("club")
    )
    pause_1_month = models.BooleanField(_("members may pause for 1 month"), default=True)
    pause_2_months = models.BooleanField(_("members may pause for 2 months"), default=True)
    pause_3_months = models.BooleanField(_("members may pause for 3 months"), default=True)
    paused_keep_access = models.BooleanField(
        _("paused members keep access"),
        default=False,
        help_text=_("Off: a paused member cannot enter the member area until the membership resumes."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("club billing settings")
        verbose_name_plural = _("club billing settings")

    def __str__(self) -> str:
        return str(self.club)

    @property
    def pause_months(self) -> list[int]:
        """The pause lengths offered, shortest first ([] when the club offers no pause)."""
        chosen = ((1, self.pause_1_month), (2, self.pause_2_months), (3, self.pause_3_months))
        return [months for months, allowed in chosen if allowed]


GIFT_MONTHS = (1, 6, 12)


class GiftStatus(models.TextChoices):
    PAID = "paid", _("Paid, not redeemed")
    REDEEMED = "redeemed", _("Redeemed")
    REFUNDED = "refunded", _("Refunded")


class Gift(models.Model):
    """Months of a club bought by anyone for someone else (Stripe Checkout, one payment), redeemed by a link.

    A row exists only once Stripe says it is paid (the checkout.session.completed webhook creates it, once per
    session). Redeeming gives complimentary access for the months bought; ``new_member`` marks a redemption that
    brought someone who had never had access to the club: gifts as a source of new members (analytics).
    """

    club = models.ForeignKey("clubs.Club", on_delete=models.PROTECT, related_name="gifts", verbose_name=_("club"))
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="gifts", verbose_name=_("priced by plan")
    )
    months = models.PositiveSmallIntegerField(_("months"), choices=[(months, str(months)) for months in GIFT_MONTHS])
    amount_minor = models.PositiveIntegerField(_("amount paid (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    buyer_email = models.EmailField(_("buyer's email"))
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts_bought",
        verbose_name=_("buyer"),
    )
    recipient_email = models.EmailField(_("recipient's email"))
    message = models.CharField(_("message to the recipient"), max_length=300, blank=True)
    language = models.CharField(_("language of the gift email"), max_length=10, blank=True)
    stripe_checkout_session_id = models.CharField(_("Stripe checkout session id"), max_length=255, unique=True)
    stripe_payment_intent_id = models.CharField(_("Stripe payment intent id"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=GiftStatus.choices, default=GiftStatus.PAID)
    paid_at = models.DateTimeField(_("paid"))
    recipient_emailed_at = models.DateTimeField(_("recipient emailed"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts_redeemed",
        verbose_name=_("redeemed by"),
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts",
        verbose_name=_("membership it gave"),
    )
    new_member = models.BooleanField(_("brought a new member"), default=False)
    access_until = models.DateTimeField(_("access until"), null=True, blank=True)
    invite_sent_at = models.DateTimeField(_("invited to subscribe"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("gift membership")
        verbose_name_plural = _("gift memberships")
        ordering = ["-paid_at", "-pk"]
        indexes = [models.Index(fields=["club", "redeemed_at"], name="billing_gift_club_redeemed")]

    def __str__(self) -> str:
        return f"gift #{self.pk}: {self.months} months of {self.club} for {self.recipient_email}"
