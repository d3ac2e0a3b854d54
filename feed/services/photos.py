"""The one photo pipeline of the feed, for achievement photos and announcement images alike.

The upload itself is validated before a service runs (``members.images.validate_image_upload``, in the forms).
"""

import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from members.images import PreparedImage, as_prepared


def photo_store(image: UploadedFile | PreparedImage, *, full: FieldFile, small: FieldFile) -> None:
    """Store two re-encoded copies (EXIF gone, upright) of one decode: a large one and a smaller one for lists.

    The stored names are random (the fields' ``upload_to``): the member's file name is never kept, so it can
    never be rendered. Nothing is saved to the row; its caller saves it.
    """
    stem = uuid.uuid4().hex
    sides = [settings.FEED_PHOTO_MAX_SIDE, settings.FEED_PHOTO_FEED_SIDE]
    prepared = as_prepared(image, sides=sides)
    full.save(f"{stem}.{prepared.extension}", prepared.files[sides[0]], save=False)
    small.save(f"{stem}-small.{prepared.extension}", prepared.files[sides[1]], save=False)


def files_delete_on_commit(*files: FieldFile) -> None:
    """Remove stored photos only once the row is really gone (a rollback must not lose them)."""
    stored = [(file.storage, file.name) for file in files if file]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])
