"""Return-path automations: per-club settings, the one row per message that makes sending exactly-once,
referrals and their rewards, and why members cancel.

Exactly once rests on ``AutomationSend``: it is unique per (club, member, kind, trigger key) and claimed
inside a transaction before any email leaves; the email goes out after commit, moving the row
pending -> sending -> sent through conditional UPDATEs, so a second run or a second worker never sends it again.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Club, Membership


class AutomationKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    WELCOME_NUDGE = "welcome_nudge", _("First-week nudge")
    RENEWAL_REMINDER = "renewal_reminder", _("Renewal reminder")
    UPGRADE_NUDGE = "upgrade_nudge", _("Upgrade nudge")
    INACTIVITY = "inactivity", _("Re-engagement after inactivity")
    WIN_BACK = "win_back", _("Win-back offer")
    BIRTHDAY = "birthday", _("Birthday greeting")
    AFTER_EVENT = "after_event", _("After an event")


# Kinds that sell something: they need email_offers, honour the offer unsubscribe and count toward the
# club's weekly offer cap (a birthday counts only when it carries the club's gift).
OFFER_KINDS = (AutomationKind.UPGRADE_NUDGE, AutomationKind.WIN_BACK)


def _percent(default: int, label):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )


def _days(default: int, label, *, maximum: int = 730):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(maximum)]
    )


class ClubAutomationSettings(models.Model):
    """One row per club: which automations run and how they are tuned. Missing row = the defaults."""

    club = models.OneToOneField(
        Club, on_delete=models.CASCADE, related_name="automation_settings", verbose_name=_("club")
    )
    welcome_enabled = models.BooleanField(_("welcome email"), default=True)
    welcome_nudge_days = _days(7, _("nudge after (days) when a new member has neither answered an event nor posted"))
    renewal_reminder_enabled = models.BooleanField(_("renewal reminders (6- and 12-month plans)"), default=True)
    renewal_reminder_days = _days(7, _("remind this many days before renewal"), maximum=60)
    upgrade_nudge_enabled = models.BooleanField(_("upgrade nudge"), default=True)
    upgrade_nudge_months = _days(3, _("after this many months on the monthly plan"), maximum=36)
    inactivity_enabled = models.BooleanField(_("re-engagement after inactivity"), default=True)
    inactivity_days = _days(30, _("inactive for (days)"), maximum=365)
    win_back_enabled = models.BooleanField(_("win-back offers"), default=True)
    win_back_stage1_days = _days(30, _("first offer, days after leaving"))
    win_back_stage1_percent = _percent(10, _("first offer, percent off"))
    win_back_stage2_days = _days(60, _("second offer, days after leaving"))
    win_back_stage2_percent = _percent(15, _("second offer, percent off"))
    win_back_stage3_days = _days(90, _("third offer, days after leaving"))
    win_back_stage3_percent = _percent(25, _("third offer, percent off"))
    referrals_enabled = models.BooleanField(_("referrals"), default=True)
    referral_friend_percent = _percent(20, _("friend's discount on the first period (percent)"))
    referral_credit_minor = models.PositiveIntegerField(
        _("referrer's credit (minor units)"),
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_(
            "In cents: 500 = $5.00, in the club's currency, credited once the friend's first payment succeeds."
        ),
    )
    save_offer_enabled = models.BooleanField(_("save offer when a member cancels"), default=False)
    save_offer_percent = _percent(50, _("save offer: next period at this percent off"))
    birthday_enabled = models.BooleanField(_("birthday greetings"), default=True)
    birthday_gift_offer = models.ForeignKey(
        "offers.Offer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("birthday gift (one of the club's offers)"),
    )
    after_event_enabled = models.BooleanField(_("after an event: invite attendees to share"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("club automation settings")
        verbose_name_plural = _("club automation settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(win_back_stage1_days__lt=models.F("win_back_stage2_days"))
                & Q(win_back_stage2_days__lt=models.F("win_back_stage3_days")),
                name="win_back_stages_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.club} automations"

    def is_enabled(self, kind: str) -> bool:
        field = {
            AutomationKind.WELCOME_NUDGE: "welcome_enabled",
        }.get(kind, f"{kind}_enabled")
        return bool(getattr(self, field))

    @property
    def win_back_stages(self) -> list[tuple[int, int]]:
        """(days after leaving, percent off), earliest first."""
        return [
            (self.win_back_stage1_days, self.win_back_stage1_percent),
            (self.win_back_stage2_days, self.win_back_stage2_percent),
            (self.win_back_stage3_days, self.win_back_stage3_percent),
        ]


class SendStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Handed to the mail server")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped at sending")
    FAILED = "failed", _("Failed")


class AutomationSend(models.Model):
    """One automated message to one member for one trigger, claimed before it is sent (never twice)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="automation_sends", verbose_name=_("club"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="automation_sends", verbose_name=_("member")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("membership")
    )
    kind = models.CharField(_("automation"), max_length=20, choices=AutomationKind.choices)
    trigger_key = models.CharField(
        _("trigger"), max_length=80, help_text=_("What this message answers, e.g. the renewal date or the stage.")
    )
    trigger_at = models.DateTimeField(
        _("trigger moment"), null=True, blank=True, help_text=_("E.g. the renewal date a reminder names.")
    )
    is_offer = models.BooleanField(_("counts toward the weekly offer cap"), default=False)
    context = models.JSONField(_("details"), default=dict, blank=True)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    stripe_coupon_id = models.CharField(_("Stripe coupon"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=SendStatus.choices, default=SendStatus.PENDING)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("claimed"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        verbose_name = _("automation send")
        verbose_name_plural = _("automation sends")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["club", "user", "kind", "trigger_key"], name="one_automation_send_per_trigger"
            )
        ]
        indexes = [
            models.Index(fields=["club", "kind", "status"]),
            models.Index(fields=["club", "user", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user_id} ({self.trigger_key})"


def new_referral_code() -> str:
    return secrets.token_urlsafe(8)


class ReferralCode(models.Model):
    """A member's personal link into one club (``/r/<code>/``)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="referral_codes", verbose_name=_("club"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_codes", verbose_name=_("member")
    )
    code = models.CharField(_("code"), max_length=32, unique=True, default=new_referral_code)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")
        constraints = [models.UniqueConstraint(fields=["club", "user"], name="one_referral_code_per_member")]

    def __str__(self) -> str:
        return self.code


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Friend has not paid yet")
    REWARDED = "rewarded", _("Credit granted")


class Referral(models.Model):
    """A friend who started checkout through a member's link; rewarded once, on the friend's first payment."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("club"))
    code = models.ForeignKey(ReferralCode, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("code"))
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals_made", verbose_name=_("referrer")
    )
    referred = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referred_by", verbose_name=_("friend")
    )
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="referral", verbose_name=_("friend's membership")
    )
    status = models.CharField(_("status"), max_length=8, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    friend_percent_off = models.PositiveSmallIntegerField(_("friend's discount (percent)"))
    friend_stripe_coupon_id = models.CharField(_("friend's Stripe coupon"), max_length=255, blank=True)
    credit_minor = models.PositiveIntegerField(_("referrer's credit (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    stripe_invoice_id = models.CharField(_("friend's first paid invoice"), max_length=255, blank=True)
    stripe_balance_transaction_id = models.CharField(_("Stripe credit"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    rewarded_at = models.DateTimeField(_("rewarded"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One reward per referred member and club, whoever's link they used and however often they rejoin.
            models.UniqueConstraint(fields=["club", "referred"], name="one_referral_per_referred_member"),
            models.CheckConstraint(condition=~Q(referrer=models.F("referred")), name="referral_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id} @ {self.club_id} ({self.status})"


class CancellationReason(models.TextChoices):
    TOO_EXPENSIVE = "too_expensive", _("It costs too much")
    NOT_USING = "not_using", _("I don't use it enough")
    NO_TIME = "no_time", _("I don't have the time")
    EVENTS = "events", _("The events don't suit me")
    REACHED_GOAL = "reached_goal", _("I reached my goal")
    TECHNICAL = "technical", _("Technical or payment problems")
    OTHER = "other", _("Something else")


class CancellationFeedback(models.Model):
    """Why a member cancelled (read by the analytics app): one row per cancellation."""

    club = models.ForeignKey(
        Club, on_delete=models.CASCADE, related_name="cancellation_feedback", verbose_name=_("club")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="cancellation_feedback", verbose_name=_("membership")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    reasons = models.JSONField(_("reasons"), default=list, help_text=_("CancellationReason values."))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    plan = models.ForeignKey(
        "clubs.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("plan")
    )
    created_at = models.DateTimeField(_("cancelled"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("cancellation feedback")
        verbose_name_plural = _("cancellation feedback")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.club_id}: {', '.join(self.reasons)}"


class SaveOfferStatus(models.TextChoices):
    SHOWN = "shown", _("Shown")
    ACCEPTED = "accepted", _("Accepted: stayed")
    DECLINED = "declined", _("Declined: cancelled")


class SaveOffer(models.Model):
    """The club's save offer as shown to one member in one billing period (at most once per period)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="save_offers", verbose_name=_("club"))
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="save_offers", verbose_name=_("membership")
    )
    period_end = models.DateTimeField(_("billing period ending"))
    percent_off = models.PositiveSmallIntegerField(_("percent off"))
    status = models.CharField(_("status"), max_length=8, choices=SaveOfferStatus.choices, default=SaveOfferStatus.SHOWN)
    stripe_coupon_id = models.CharField(_("Stripe coupon"), max_length=255, blank=True)
    shown_at = models.DateTimeField(_("shown"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("save offer")
        verbose_name_plural = _("save offers")
        ordering = ["-shown_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "period_end"], name="one_save_offer_per_billing_period")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.period_end:%Y-%m-%d} ({self.status})"


class AutomationWording(models.Model):
    """A club's own subject and opening paragraph for one automation kind in one language.

    Blank fields fall back to the translation catalogs' text (automations/wording.py). Placeholders such as
    ``{name}`` and ``{club}`` are checked when saved (automations/wording.py ``placeholders_check``).
    """

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="automation_wordings", verbose_name=_("club"))
    kind = models.CharField(_("automation"), max_length=20, choices=AutomationKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    opening = models.TextField(_("opening paragraph"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("automation wording")
        verbose_name_plural = _("automation wordings")
        constraints = [
            models.UniqueConstraint(fields=["club", "kind", "language"], name="automation_wording_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.club} {self.kind} ({self.language})"
