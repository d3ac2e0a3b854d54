"""The account: email is the login, and the profile lives on the same row (one query per request)."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.text import SINGLE_LINE_MESSAGE, has_line_break

# An erased account's address (privacy/services/erasure.py): a reserved domain (RFC 2606) no mail can reach.
ERASED_EMAIL_DOMAIN = "erased.invalid"

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class UserManager(DjangoUserManager):
    """Users are created by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


def avatar_upload_to(instance: "User", filename: str) -> str:
    """A generated name with the re-encoded format's extension; the upload's own name is never kept."""
    from members.images import generated_name

    return generated_name(f"avatars/{instance.pk or 'new'}", filename)


class CalendarChoice(models.TextChoices):
    """How dates are written to the member; empty follows the language (Solar Hijri for Persian)."""

    DEFAULT = "", _("The language's own")
    SOLAR_HIJRI = "solar_hijri", _("Solar Hijri")
    GREGORIAN = "gregorian", _("Gregorian")


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    preferred_language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    calendar = models.CharField(
        _("calendar"), max_length=16, choices=CalendarChoice.choices, blank=True, default=CalendarChoice.DEFAULT
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    email_event_reminders = models.BooleanField(_("event reminders by email"), default=True)
    email_offers = models.BooleanField(_("member offers by email"), default=True)
    email_club_news = models.BooleanField(_("club news by email"), default=True)
    email_activity_digest = models.BooleanField(_("digest of cheers and comments on my posts by email"), default=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.public_name

    def clean(self) -> None:
        """The display name may reach an email header or a calendar line: one line only."""
        super().clean()
        if has_line_break(self.display_name):
            raise ValidationError({"display_name": SINGLE_LINE_MESSAGE})

    @property
    def public_name(self) -> str:
        """What other members see: the display name, else the part of the email before the @."""
        if self.is_erased:
            return str(_("Former member"))
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def is_erased(self) -> bool:
        """The account was erased (privacy/): the row stays, anonymised, so that kept posts and history need no name."""
        return self.email.endswith("@" + ERASED_EMAIL_DOMAIN)

    def get_full_name(self) -> str:
        return self.public_name

    def get_short_name(self) -> str:
        return self.public_name


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    REJECTED = "rejected", _("Rejected by the provider")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed at the provider")
    MANUAL = "manual", _("Added by staff")


class EmailSuppression(models.Model):
    """An address we must not send offers or automated mail to, because its mailbox told us so.

    Written by the email provider's bounce and complaint webhooks (config/email.py) or by staff.
    The address is stored lower-cased, like User.email, so lookups are exact matches.
    """

    email = models.EmailField(_("email address"), unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    event_id = models.CharField(_("provider event id"), max_length=200, blank=True)
    description = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("suppressed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("last event"), auto_now=True)

    class Meta:
        verbose_name = _("email suppression")
        verbose_name_plural = _("email suppressions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"
