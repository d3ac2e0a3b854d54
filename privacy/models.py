"""What privacy keeps: data exports being prepared or waiting to be downloaded, and the legal minimum of
erased members' invoices."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import private_media_storage


def export_upload_to(instance: "DataExport", filename: str) -> str:
    """A random name: the file is reached only through the owner's signed, checked link."""
    return f"privacy-exports/{uuid.uuid4().hex}.zip"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired")


class DataExport(models.Model):
    """One "download my data" request: prepared by a Celery task, emailed as a link, removed when it expires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("user")
    )
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    file = models.FileField(_("file"), upload_to=export_upload_to, storage=private_media_storage, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="privacy_export_status_expires")]

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.get_status_display()})"

    def is_expired(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == ExportStatus.EXPIRED or (self.expires_at is not None and self.expires_at <= now)


class RetainedInvoice(models.Model):
    """What the law makes us keep of an erased member's invoice (tax records): number, date, amount, country.

    The invoice row itself stays for the club's revenue figures, stripped of links and payment references; this
    row holds the buyer's country, read from Stripe before the customer was deleted there.
    """

    invoice = models.OneToOneField(
        "billing.Invoice", on_delete=models.PROTECT, related_name="retained", verbose_name=_("invoice")
    )
    number = models.CharField(_("invoice number"), max_length=255)
    issued_at = models.DateTimeField(_("issued"))
    amount_minor = models.IntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    country = models.CharField(_("country"), max_length=2, blank=True)
    erased_at = models.DateTimeField(_("account erased"), default=timezone.now)

    class Meta:
        verbose_name = _("retained invoice")
        verbose_name_plural = _("retained invoices")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number
