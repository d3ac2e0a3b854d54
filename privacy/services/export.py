"""Members' data exports: requested on the privacy page, built by a Celery task, emailed as a link that expires.

Why a task: a long-standing member's ZIP holds every post's photo, which takes longer than a page may wait. The
link carries a signed token (core/tokens.py) and the download view also checks that the signed-in member owns
the export, so a forwarded email opens nothing for anyone else. When the link expires the file is removed by
``exports_remove_expired`` (beat: ``privacy-exports-cleanup``).
"""

import io
import json
import logging
import zipfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import emails
from core.tokens import token_make
from members.emails import recipient_for
from members.models import User
from privacy import selectors
from privacy.exceptions import PrivacyError
from privacy.models import DataExport, ExportStatus

logger = logging.getLogger(__name__)

DOWNLOAD_PURPOSE = "privacy.export-download"


def export_days() -> int:
    return settings.PRIVACY_EXPORT_DAYS


def download_max_age() -> timedelta:
    return timedelta(days=export_days())


@transaction.atomic
def data_export_request(*, user: User, now: datetime | None = None) -> DataExport:
    """Ask for a new export; the ZIP is built after commit. One export at a time is being prepared.

    A second click while one is being prepared returns that one instead of building the same ZIP twice.
    """
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).first()  # two clicks at once queue one export
    pending = DataExport.objects.filter(user=user, status=ExportStatus.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user, requested_at=now)
    from privacy.tasks import build_data_export

    export_id = export.pk
    transaction.on_commit(lambda: build_data_export.delay(export_id))
    return export


README = """Your data from {site}, prepared {when} (UTC).

Each .json file holds one kind of record; times are ISO 8601 in UTC; amounts are in minor units (cents) with
their currency. Post photos are in photos/, named after the post's id in posts.json.

{files}
"""


def _zip_bytes(*, user: User, now: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, build in selectors.EXPORT_FILES.items():
            archive.writestr(name, json.dumps(build(user=user), ensure_ascii=False, indent=2, sort_keys=True))
        for post in selectors.posts_with_photos(user=user):
            try:
                with post.photo.open("rb") as photo:
                    archive.writestr(selectors.photo_path(post), photo.read())
            except OSError:
                logger.warning("Export for user %s: the photo of post %s is missing.", user.pk, post.pk)
        if user.avatar:
            try:
                with user.avatar.open("rb") as avatar:
                    archive.writestr(selectors.avatar_path(user), avatar.read())
            except OSError:
                logger.warning("Export for user %s: the avatar file is missing.", user.pk)
        archive.writestr(
            "README.txt",
            README.format(
                site=settings.SITE_NAME,
                when=now.replace(microsecond=0).isoformat(),
                files="\n".join(selectors.EXPORT_FILES),
            ),
        )
    return buffer.getvalue()


def data_export_build(*, export_id: int, now: datetime | None = None) -> bool:
    """Build the ZIP, mark the export ready, email the link; False when there is nothing (left) to do.

    Safe to run twice: only a pending export is built, and the row is claimed under a lock, so a duplicated
    task neither builds two files nor sends two emails.
    """
    now = now or timezone.now()
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("user")
            .filter(pk=export_id, status=ExportStatus.PENDING)
            .first()
        )
        if export is None:
            return False
        content = _zip_bytes(user=export.user, now=now)
        export.file.save(f"{export.pk}.zip", ContentFile(content), save=False)
        export.status, export.size = ExportStatus.READY, len(content)
        export.ready_at, export.expires_at = now, now + download_max_age()
        export.save(update_fields=["file", "status", "size", "ready_at", "expires_at"])
        transaction.on_commit(lambda: _ready_email_send(export=export))
    return True


def download_path(*, export: DataExport) -> str:
    """The signed download link's path: the email sends it whole, the owner's privacy page links it as well."""
    token = token_make(purpose=DOWNLOAD_PURPOSE, parts=[export.pk, export.user_id])
    return reverse("privacy:export-download", args=[token])


def download_url(*, export: DataExport) -> str:
    return emails.site_url(download_path(export=export))


def _ready_email_send(*, export: DataExport) -> None:
    user = export.user
    emails.email_send(
        recipient=recipient_for(user),
        branding=emails.site_branding(),
        category=emails.TRANSACTIONAL,
        subject=lambda: _("Your data export is ready"),
        text_template="privacy/email/export_ready.txt",
        html_template="privacy/email/export_ready.html",
        context={
            "user": user,
            "download_url": download_url(export=export),
            "expires_at": export.expires_at,
            "days": export_days(),
            "privacy_url": emails.site_url(reverse("privacy:home")),
        },
        reason=lambda: _("You get this email because you asked for a copy of your data."),
    )


def data_export_for_download(*, export_id: int, user: User, now: datetime | None = None) -> DataExport:
    """The owner's ready export, or PrivacyError saying why not (expired, still being prepared)."""
    export = DataExport.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise PrivacyError(_("This export does not exist."))
    if export.is_expired(now):
        raise PrivacyError(_("This download link has expired and the file was removed. You can ask for a new export."))
    if export.status != ExportStatus.READY or not export.file:
        raise PrivacyError(_("This export is still being prepared; we email you when it is ready."))
    DataExport.objects.filter(pk=export.pk).update(downloaded_at=now or timezone.now())
    return export


def exports_remove_expired(*, now: datetime | None = None) -> int:
    """Remove the files of exports past their expiry (beat); each one counts once."""
    now = now or timezone.now()
    removed = 0
    for export_id in DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            export = DataExport.objects.select_for_update().filter(pk=export_id, status=ExportStatus.READY).first()
            if export is None:
                continue
            if export.file:
                export.file.delete(save=False)
            export.status = ExportStatus.EXPIRED
            export.save(update_fields=["file", "status"])
            removed += 1
    return removed


def data_exports_delete(*, user: User) -> int:
    """Every export of the member, files included (erasure)."""
    count = 0
    for export in DataExport.objects.filter(user=user):
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
