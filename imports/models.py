"""An import of members from a CSV file: the job (file, format, mapping, choices) and one row per line.

The preview writes only these two tables: every row's outcome is computed and shown before a member,
membership or subscription is touched. Confirming applies the rows (imports/services.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportFormat(models.TextChoices):
    GENERIC = "generic", _("Returnpath template")
    GHOST = "ghost", _("Ghost members export")
    PATREON = "patreon", _("Patreon members CSV")
    MEMBERFUL = "memberful", _("Memberful members export")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    APPLYING = "applying", _("Importing")
    CONFIRMED = "confirmed", _("Imported")


class RowOutcome(models.TextChoices):
    CREATE = "create", _("New member")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Already imported: unchanged")
    SKIP = "skip", _("Not imported")
    ERROR = "error", _("Error")


APPLICABLE_OUTCOMES = (RowOutcome.CREATE, RowOutcome.UPDATE)


class ImportJob(models.Model):
    club = models.ForeignKey("clubs.Club", on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("club"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    # The decoded file, kept so the leader can change the mapping without uploading it again.
    text = models.TextField(_("file contents"), blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    source_format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    mapping = models.JSONField(_("column mapping"), default=dict)  # field -> column header
    complimentary_until = models.DateTimeField(_("complimentary until"), null=True, blank=True)
    default_plan = models.ForeignKey(
        "clubs.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("default plan")
    )
    send_invitations = models.BooleanField(_("send invitations"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.club} — {self.filename or self.pk} ({self.get_status_display()})"


class ImportRow(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import"))
    line = models.PositiveIntegerField(_("line"))
    email = models.CharField(_("email"), max_length=254, blank=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    plan = models.ForeignKey(
        "clubs.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("plan")
    )
    stripe_subscription_id = models.CharField(_("Stripe subscription id"), max_length=255, blank=True)
    complimentary_until = models.DateTimeField(_("complimentary until"), null=True, blank=True)
    club_emails = models.BooleanField(_("agreed to club emails"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=RowOutcome.choices)
    message = models.CharField(_("message"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="one_import_row_per_line")]
        indexes = [models.Index(fields=["user", "invited_at"], name="imports_row_invited")]

    def __str__(self) -> str:
        return f"{self.line}: {self.email} ({self.get_outcome_display()})"
