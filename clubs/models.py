"""Clubs, their plans, and who belongs to them.

The access rule for the member area lives in ``MembershipQuerySet.with_access`` and nowhere else.
"""

from datetime import datetime
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clubs import activity, texts
from core.formatting import native_digits
from core.money import CURRENCY_CHOICES
from core.text import SINGLE_LINE_MESSAGE, has_line_break
from members.models import TIME_ZONE_CHOICES

# The email layout puts the colour into CSS: only #rrggbb, nothing that could end the declaration.
brand_colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}\Z", _("Enter a colour as # and six hexadecimal digits, for example #1a7f37.")
)
https_url_validator = URLValidator(schemes=["https"], message=_("Enter an https:// address of the image."))


def club_cover_upload_to(instance: "Club", filename: str) -> str:
    """A generated name with the re-encoded format's extension; the upload's own name is never kept."""
    from members.images import generated_name

    return generated_name("club-covers", filename)


def _translations_clean(row) -> None:
    """A club's or plan's ``translations`` checked and normalised by its ``translation_rules()`` (clubs/texts.py);
    the text in the row's own language is dropped, since the main fields hold it."""
    try:
        row.translations = texts.translations_clean(row.translations, **row.translation_rules(), drop_own=True)
    except ValidationError as error:
        raise ValidationError({"translations": error.messages}) from error


class Club(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    cover_image = models.ImageField(_("cover image"), upload_to=club_cover_upload_to, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD")
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="en")
    is_listed = models.BooleanField(
        _("listed in the directory"),
        default=True,
        help_text=_("Unlisted clubs are reachable only by their link."),
    )
    grace_period_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=7,
        validators=[MaxValueValidator(60)],
        help_text=_("How long a member whose payment failed keeps access."),
    )
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="led_clubs", blank=True, verbose_name=_("leaders")
    )
    max_offer_emails_per_week = models.PositiveSmallIntegerField(
        _("offer emails per member per week"),
        default=2,
        validators=[MaxValueValidator(14)],
        help_text=_("Members who received this many offer emails in the last 7 days are skipped."),
    )
    accepts_promotion_codes = models.BooleanField(
        _("members may type promotion codes at checkout"),
        default=False,
        help_text=_("Only codes made for this club's memberships are accepted."),
    )
    # What members' emails carry (core/emails.py, templates/emails/_layout.html).
    email_logo_url = models.URLField(
        _("logo for emails"),
        blank=True,
        validators=[https_url_validator],
        help_text=_("An https:// address of your logo (PNG or JPEG, about 96 pixels high)."),
    )
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        blank=True,
        validators=[brand_colour_validator],
        help_text=_("Used for links and the top bar of emails, as #rrggbb."),
    )
    postal_address = models.TextField(
        _("postal address"),
        max_length=300,
        blank=True,
        help_text=_("Printed in the footer of every email; commercial email rules ask for one."),
    )
    reply_to_email = models.EmailField(
        _("reply-to address"), blank=True, help_text=_("Where members' replies to club emails go.")
    )
    # Consent (clubs/consent.py): with it on, a member's yes to offer emails counts only once they confirm it
    # through the signed link emailed to them (double opt-in).
    offer_double_opt_in = models.BooleanField(
        _("double opt-in for offer emails"),
        default=False,
        help_text=_("Members confirm their consent to offer emails by a link sent to them before any offer email."),
    )
    # The name, tagline and description in the other site languages (clubs/texts.py): {"ar": {"name": ...}}.
    translations = models.JSONField(_("texts in other languages"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    TRANSLATED_FIELDS = ("name", "tagline", "description")

    class Meta:
        verbose_name = _("club")
        verbose_name_plural = _("clubs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clubs:club-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        """The name reaches email subjects, List-Id headers and calendar lines: one line only."""
        super().clean()
        if has_line_break(self.name):
            raise ValidationError({"name": SINGLE_LINE_MESSAGE})
        _translations_clean(self)

    def translation_rules(self) -> dict:
        """What ``texts.translations_clean`` checks: the row's own length limits, the name on one line."""
        return {
            "limits": translation_limits(Club, self.TRANSLATED_FIELDS),
            "single_line": ("name", "tagline"),
            "own_language": self.default_language,
            "labels": translation_labels(Club, self.TRANSLATED_FIELDS),
        }

    def text(self, field: str, language: str | None = None) -> str:
        """The club's ``field`` in ``language`` (default: the active one), else its own text (clubs/texts.py)."""
        return texts.text(self, field, language, own_language=self.default_language)

    @property
    def local_name(self) -> str:
        return self.text("name")

    @property
    def local_tagline(self) -> str:
        return self.text("tagline")

    @property
    def local_description(self) -> str:
        return self.text("description")


def translation_limits(model, fields) -> dict[str, int]:
    """Each field's own maximum length; a text field without one gets ``texts.DESCRIPTION_MAX_LENGTH``."""
    return {field: model._meta.get_field(field).max_length or texts.DESCRIPTION_MAX_LENGTH for field in fields}


def translation_labels(model, fields) -> dict[str, str]:
    return {field: model._meta.get_field(field).verbose_name for field in fields}


class PlanInterval(models.TextChoices):
    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


def period_label(interval: str, interval_count: int) -> str:
    """'month', '6 months', 'year', '2 years'..., translated."""
    labels = {
        PlanInterval.DAY: lambda n: ngettext("day", "%(count)d days", n),
        PlanInterval.WEEK: lambda n: ngettext("week", "%(count)d weeks", n),
        PlanInterval.MONTH: lambda n: ngettext("month", "%(count)d months", n),
        PlanInterval.YEAR: lambda n: ngettext("year", "%(count)d years", n),
    }
    return native_digits(labels[PlanInterval(interval)](interval_count) % {"count": interval_count})


# How many months one interval is, for per-month comparisons between plans.
MONTHS_PER_INTERVAL = {
    PlanInterval.DAY: Fraction(12, 365),
    PlanInterval.WEEK: Fraction(12, 52),
    PlanInterval.MONTH: Fraction(1),
    PlanInterval.YEAR: Fraction(12),
}


class Plan(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="plans", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=80)
    interval = models.CharField(_("interval"), max_length=5, choices=PlanInterval.choices, default="month")
    interval_count = models.PositiveSmallIntegerField(
        _("interval count"), default=1, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    price_minor = models.PositiveIntegerField(_("price (minor units)"), help_text=_("In cents: 500 = $5.00."))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    is_active = models.BooleanField(_("active"), default=True)
    is_most_popular = models.BooleanField(_("most popular"), default=False)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), default=0, validators=[MaxValueValidator(730)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The name in the other site languages (clubs/texts.py): {"ar": {"name": ...}}.
    translations = models.JSONField(_("names in other languages"), default=dict, blank=True)

    TRANSLATED_FIELDS = ("name",)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["club", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["club"],
                condition=Q(is_most_popular=True, is_active=True),
                name="one_most_popular_active_plan_per_club",
                violation_error_message=_("Only one active plan of a club can be the most popular."),
            ),
            models.CheckConstraint(condition=Q(interval_count__gte=1), name="plan_interval_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.club} — {self.name}"

    def clean(self) -> None:
        if has_line_break(self.name):  # the plan name reaches Stripe and emails as one line
            raise ValidationError({"name": SINGLE_LINE_MESSAGE})
        if self.club_id and self.currency and self.currency != self.club.currency:
            raise ValidationError({"currency": _("A plan is priced in its club's currency (%s).") % self.club.currency})
        _translations_clean(self)

    def translation_rules(self) -> dict:
        return {
            "limits": translation_limits(Plan, self.TRANSLATED_FIELDS),
            "single_line": ("name",),
            "own_language": self.club.default_language if self.club_id else "",
            "labels": translation_labels(Plan, self.TRANSLATED_FIELDS),
        }

    def text(self, field: str, language: str | None = None) -> str:
        """The plan's ``field`` in ``language``, else its own text; the club's language only when already loaded."""
        own = self.club.default_language if Plan.club.is_cached(self) else None
        return texts.text(self, field, language, own_language=own)

    @property
    def local_name(self) -> str:
        return self.text("name")

    @property
    def months(self) -> Fraction:
        """Length of one billing period in months (exact fraction)."""
        return MONTHS_PER_INTERVAL[PlanInterval(self.interval)] * self.interval_count

    @property
    def period_label(self) -> str:
        return period_label(self.interval, self.interval_count)


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment overdue")
    CANCELED = "canceled", _("Canceled")
    EXPIRED = "expired", _("Expired")


LAPSED_STATUSES = (MembershipStatus.CANCELED, MembershipStatus.EXPIRED)


# Conditions under which an app above clubs withholds access from a membership the rule below would let in
# (billing: collection paused and the club gives paused members no access). ``condition(now) -> Q`` on
# Membership, registered in the app's ``AppConfig.ready()`` through ``register_access_exclusion``.
_access_exclusions: list = []


def register_access_exclusion(condition) -> None:
    if condition not in _access_exclusions:
        _access_exclusions.append(condition)


class MembershipQuerySet(models.QuerySet):
    def with_access(self, now: datetime | None = None) -> "MembershipQuerySet":
        """THE access rule: trialing or active, or past due while the grace period lasts.

        The grace end is fixed when the payment fails (``grace_period_ends_at``), so a later change
        of the club's grace period does not cut off or extend members already in grace.
        A complimentary membership (granted by staff, no Stripe) counts while its end date is ahead.
        A registered exclusion withholds it (``register_access_exclusion``: a pause without access).
        """
        now = now or timezone.now()
        members = self.filter(
            Q(status__in=(MembershipStatus.TRIALING, MembershipStatus.ACTIVE))
            | Q(status=MembershipStatus.PAST_DUE, grace_period_ends_at__gt=now)
        ).exclude(is_complimentary=True, complimentary_until__lte=now)
        for condition in _access_exclusions:  # e.g. a paused membership (billing/services/pause.py)
            members = members.exclude(condition(now))
        return members

    def paying(self) -> "MembershipQuerySet":
        """Memberships that bring revenue: complimentary ones never count towards MRR."""
        return self.filter(is_complimentary=False)

    # Member activity: the one definition, and its boundary, are in clubs/activity.py.
    def active_since(self, since: datetime) -> "MembershipQuerySet":
        """Members with a sign of life in their club strictly after ``since``."""
        return self.filter(activity.active_since(since))

    def quiet_since(self, since: datetime) -> "MembershipQuerySet":
        """Members since ``since`` or before with no sign of life after it."""
        return self.filter(activity.quiet_since(since))

    def with_last_activity(self) -> "MembershipQuerySet":
        """Annotate ``last_activity``: the newest sign of life in the club, or when the membership began."""
        return self.annotate(last_activity=activity.last_activity())


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("club"))
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships", verbose_name=_("plan")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current period ends"), null=True, blank=True)
    # Set by billing from the subscription: the member cancelled and the membership ends at
    # ``current_period_end`` instead of renewing (every banner says "ends on", never "renews on").
    ends_at_period_end = models.BooleanField(_("ends at period end"), default=False)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    past_due_since = models.DateTimeField(_("past due since"), null=True, blank=True)
    grace_period_ends_at = models.DateTimeField(_("grace period ends"), null=True, blank=True)
    is_complimentary = models.BooleanField(_("complimentary"), default=False)
    complimentary_until = models.DateTimeField(
        _("complimentary until"), null=True, blank=True, help_text=_("Empty: for as long as staff keep it.")
    )
    complimentary_reason = models.CharField(_("why complimentary"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The member's newest sign of life in this club (clubs/activity.py), kept by clubs.activity alone from the
    # registered sources, so that "quiet for 30 days" is a comparison instead of a scan of every RSVP.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "club"], name="one_membership_per_user_and_club")]
        indexes = [
            models.Index(fields=["club", "status"]),
            # Club home's newest members: walk the club's memberships newest first, stop at a dozen.
            models.Index(fields=["club", "-started_at"], name="clubs_membership_club_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.club} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        """Never write ``last_activity_at`` back: an RSVP saved since this row was read has moved it on.

        A new membership reads its member's earlier activity in the club (a guest's RSVP) once inserted.
        """
        adding = self._state.adding
        if not adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()  # as Model.save itself: only the fields that were loaded
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "last_activity_at" and field.attname not in deferred
            ]
        super().save(*args, **kwargs)
        if adding:
            activity.last_activity_refresh(Membership.objects.filter(pk=self.pk))

    @property
    def is_lapsed(self) -> bool:
        return self.status in LAPSED_STATUSES

    @property
    def has_access_status(self) -> bool:
        """Trialing or active: the statuses whose period end is when the membership renews or ends."""
        return self.status in (MembershipStatus.TRIALING, MembershipStatus.ACTIVE)


class MembershipStatusChange(models.Model):
    """Append-only history: every status change, who made it and why."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("membership")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=MembershipStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=MembershipStatus.choices)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membership status change")
        verbose_name_plural = _("membership status changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            # When a membership lapsed (analytics' cohorts): most never did, and this answers that from the index.
            models.Index(
                fields=["membership", "changed_at"],
                name="clubs_status_lapses",
                condition=Q(to_status__in=LAPSED_STATUSES),
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


# --- Consent to offer and club emails (clubs/consent.py writes these; offers and automations read them) ----------


class ConsentPurpose(models.TextChoices):
    OFFERS = "offers", _("Member offers by email")
    AUTOMATIONS = "automations", _("Club news and reminders by email")


class ConsentSource(models.TextChoices):
    SIGNUP = "signup", _("Sign-up")
    CHECKOUT = "checkout", _("Joining the club")
    PROFILE = "profile", _("Privacy settings")
    IMPORT = "import", _("Imported")
    EMAIL = "email", _("Confirmation link")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    PENDING = "pending", _("Waiting for confirmation")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Consent(models.Model):
    """A member's current answer for one club and one kind of email; every change is kept in ConsentChange.

    Offers and automations send only while the status is *given* (and, for offers in a club with double
    opt-in, ``confirmed_at`` is set): ``clubs.consent.consent_given``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents", verbose_name=_("user")
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="consents", verbose_name=_("club"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=ConsentSource.choices)
    given_at = models.DateTimeField(_("given"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["club", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["user", "club", "purpose"], name="one_consent_per_user_club_purpose")
        ]
        indexes = [models.Index(fields=["club", "purpose", "status"], name="clubs_consent_club_purpose")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.club}: {self.get_purpose_display()} ({self.get_status_display()})"


class ConsentChange(models.Model):
    """Append-only: each time a consent was given, confirmed or withdrawn, when and from where."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="changes", verbose_name=_("consent"))
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=ConsentSource.choices)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.get_source_display()})"
