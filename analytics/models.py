"""Retention analytics: a ledger of what each subscription was worth, nightly snapshots and NPS surveys.

Live figures are computed from clubs' membership history and billing's mirror (see selectors); the rows
here are only what those tables cannot tell afterwards.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Membership

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
