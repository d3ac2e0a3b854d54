"""Retention analytics: a ledger of what each subscription was worth, nightly snapshots and NPS surveys.

Live figures are computed from clubs' membership history and billing's mirror (see selectors); the rows
here are only what those tables cannot tell afterwards.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Membership, MembershipStatus

PROMOTER_MIN_SCORE = 9
DETRACTOR_MAX_SCORE = 6


class SubscriptionPriceChange(models.Model):
    """What one subscription was worth per month from ``effective_at`` on (append-only).

    billing's Subscription keeps only its current price, so an upgrade would rewrite the past;
    this ledger is what lets MRR at any past instant, and expansion and contraction, be computed.
    Rows are written by ``analytics.signals`` whenever a subscription's price or amount changes.
    """

    subscription = models.ForeignKey(
        "billing.Subscription", on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("subscription")
    )
    # The subscription's membership, copied so "what did this membership pay at T" is one index lookup.
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("membership")
    )
    effective_at = models.DateTimeField(_("effective from"))
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=255, blank=True)
    amount_minor = models.PositiveIntegerField(_("amount per period (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    monthly_amount_minor = models.DecimalField(
        _("amount per month (minor units)"),
        max_digits=14,
        decimal_places=4,
        help_text=_("The amount normalised to one month by the price's interval."),
    )

    class Meta:
        verbose_name = _("subscription price change")
        verbose_name_plural = _("subscription price changes")
        ordering = ["-effective_at", "-pk"]
        indexes = [models.Index(fields=["membership", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.amount_minor} {self.currency} from {self.effective_at:%Y-%m-%d}"


class AccessRecord(models.Model):
    """What one membership was from ``valid_from`` to ``valid_to``: access, whether and what it paid, its plan.

    The clubs and billing rows keep only today's state (a complimentary grant clears the paying
    status, a plan switch overwrites the plan); these rows keep the past, so a closed period is
    computed from what was true then. Written by ``analytics.signals`` whenever the membership, its
    status history or its subscription's price changes; the newest row of a membership is open
    (``valid_to`` empty). ``has_access`` and ``access_until`` are ``MembershipQuerySet.with_access``
    evaluated on that state: access at ``T`` is ``has_access and (access_until is empty or T < access_until)``
    (past due only until its grace end, complimentary only until ``complimentary_until``), and not before
    ``access_from`` when it is set (a pause in a club that gives paused members no access: access comes back
    when the pause ends by its date, even if Stripe's resume event never arrives).

    ``is_paused`` and ``paused_until`` are the subscription's pause (``Subscription.is_paused``) when the record
    began: paused at ``T`` is ``is_paused and (paused_until is empty or T < paused_until)``. A paused member
    pays nothing (zero MRR) and is never lost; whether they are a customer follows the access rule above.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="access_records", verbose_name=_("membership")
    )
    # Copied so a dashboard reads one club's rows by one index range.
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="+", verbose_name=_("club"))
    valid_from = models.DateTimeField(_("from"))
    valid_to = models.DateTimeField(_("until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MembershipStatus.choices)
    has_access = models.BooleanField(_("has access"))
    access_until = models.DateTimeField(_("access ends"), null=True, blank=True)
    is_complimentary = models.BooleanField(_("complimentary"), default=False)
    plan = models.ForeignKey(
        "clubs.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("plan")
    )
    access_from = models.DateTimeField(_("access resumes"), null=True, blank=True)
    is_paused = models.BooleanField(_("paused"), default=False)
    paused_until = models.DateTimeField(_("pause ends"), null=True, blank=True)
    # Running totals, so a figure at an instant reads one row per membership (no history walk):
    # the access time before ``valid_from`` (gaps between leaving and rejoining left out), and when the
    # unbroken access that this record continues began (empty without access).
    access_before = models.DurationField(_("access time before"), default=timedelta)
    access_since = models.DateTimeField(_("unbroken access since"), null=True, blank=True)
    monthly_amount_minor = models.DecimalField(
        _("paid per month (minor units)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("From the subscription price ledger; empty without a subscription."),
    )

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["membership", "valid_from", "pk"]
        indexes = [
            models.Index(fields=["membership", "-valid_from"], name="analytics_access_newest"),
            models.Index(fields=["club", "valid_from"], name="analytics_access_club_from"),
            # The few paused records, read by the dashboards' pause figures without scanning every record.
            models.Index(fields=["club", "valid_from"], condition=Q(is_paused=True), name="analytics_access_paused"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.status} from {self.valid_from:%Y-%m-%d %H:%M}"

    @property
    def is_paying(self) -> bool:
        """Paying when the record began (a pause pays nothing until it ends: see ``paused_at``)."""
        return (
            not self.is_complimentary
            and not self.is_paused
            and self.status in (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
            and bool(self.monthly_amount_minor)
        )

    def paused_at(self, at) -> bool:
        return self.is_paused and (self.paused_until is None or at < self.paused_until)

    def access_at(self, at) -> bool:
        return (
            self.has_access
            and (self.access_from is None or self.access_from <= at)
            and (self.access_until is None or at < self.access_until)
        )


class RefundRecord(models.Model):
    """Money given back on one invoice, on the day it was given back (append-only).

    billing's Invoice keeps only the running total refunded; counting it on the invoice's paid date
    would change a closed month whenever a later refund lands.
    """

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="refund_records", verbose_name=_("invoice")
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="+", verbose_name=_("club"))
    amount_minor = models.IntegerField(_("amount refunded (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    refunded_at = models.DateTimeField(_("refunded"))

    class Meta:
        verbose_name = _("refund record")
        verbose_name_plural = _("refund records")
        ordering = ["-refunded_at", "-pk"]
        indexes = [models.Index(fields=["club", "refunded_at"])]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount_minor} {self.currency} on {self.refunded_at:%Y-%m-%d}"


class MetricSnapshot(models.Model):
    """One club's figures at the end of one day, kept for history (one row per club per day)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="metric_snapshots", verbose_name=_("club"))
    day = models.DateField(_("day"))
    members = models.PositiveIntegerField(_("members"))
    paying_members = models.PositiveIntegerField(_("paying members"))
    new_members = models.PositiveIntegerField(_("new members that day"))
    churned_members = models.PositiveIntegerField(_("members lost that day"))
    mrr_minor = models.BigIntegerField(_("MRR (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    nps = models.SmallIntegerField(_("NPS of the last 90 days"), null=True, blank=True)
    nps_responses = models.PositiveIntegerField(_("NPS answers of the last 90 days"), default=0)
    # The day's events (not cancelled, started that day): "going" answers and how many of them checked in.
    # A dashboard sums these over the closed days of its period instead of re-reading every RSVP; empty on
    # snapshots taken before they were counted (those days are read live).
    events_going = models.PositiveIntegerField(_("said they were going to that day's events"), null=True, blank=True)
    events_attended = models.PositiveIntegerField(_("of those, checked in"), null=True, blank=True)
    # Invoices paid that day and refunds made that day (minor units), summed the same way by the dashboards.
    revenue_paid_minor = models.BigIntegerField(_("paid that day (minor units)"), null=True, blank=True)
    revenue_refunded_minor = models.BigIntegerField(_("refunded that day (minor units)"), null=True, blank=True)
    # Members paused at the end of the day (collection paused, with or without access), and members new that day
    # who came from a redeemed gift; empty on snapshots taken before they were counted.
    paused_members = models.PositiveIntegerField(_("paused members"), null=True, blank=True)
    gift_new_members = models.PositiveIntegerField(_("new members from gifts that day"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken"), auto_now=True)

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")
        ordering = ["-day", "club"]
        constraints = [models.UniqueConstraint(fields=["club", "day"], name="one_metric_snapshot_per_club_and_day")]

    def __str__(self) -> str:
        return f"{self.club} {self.day}"


class ClubNpsSettings(models.Model):
    """When a club's members are asked how likely they are to recommend it (per club, edited by leaders)."""

    club = models.OneToOneField(Club, on_delete=models.CASCADE, related_name="nps_settings", verbose_name=_("club"))
    is_enabled = models.BooleanField(_("send NPS surveys"), default=True)
    first_after_days = models.PositiveSmallIntegerField(
        _("first survey after (days of membership)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    repeat_every_days = models.PositiveSmallIntegerField(
        _("then every (days)"),
        default=91,
        validators=[MinValueValidator(30), MaxValueValidator(365)],
        help_text=_("91 days is a quarter."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("NPS settings")
        verbose_name_plural = _("NPS settings")

    def __str__(self) -> str:
        return f"NPS settings of {self.club}"


class NpsSurvey(models.Model):
    """One invitation to one member: answered at most once (see NpsResponse)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="nps_surveys", verbose_name=_("club"))
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="nps_surveys", verbose_name=_("membership")
    )
    # The n-th survey of this membership: the unique pair makes the sending task safe to run twice.
    round = models.PositiveSmallIntegerField(_("round"))
    created_at = models.DateTimeField(_("created"))
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["membership", "round"], name="one_nps_survey_per_round")]

    def __str__(self) -> str:
        return f"NPS #{self.round} {self.membership}"


class NpsResponse(models.Model):
    survey = models.OneToOneField(
        NpsSurvey, on_delete=models.CASCADE, related_name="response", verbose_name=_("survey")
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="nps_responses", verbose_name=_("club"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered"))
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("member")
    )

    class Meta:
        verbose_name = _("NPS answer")
        verbose_name_plural = _("NPS answers")
        ordering = ["-answered_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=10), name="nps_score_at_most_10")]
        indexes = [models.Index(fields=["club", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.score} ({self.club})"

    @property
    def category(self) -> str:
        if self.score >= PROMOTER_MIN_SCORE:
            return "promoter"
        if self.score <= DETRACTOR_MAX_SCORE:
            return "detractor"
        return "passive"
