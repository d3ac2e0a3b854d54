"""Validation and normalisation of uploaded images (avatars, club covers).

Uploads are untrusted: we check the real format with Pillow (not the file name), refuse
decompression bombs, and re-encode so that EXIF data (GPS position, camera serial) never leaves
the server.
"""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


def validate_image_upload(upload: UploadedFile, *, max_bytes: int) -> None:
    """Raise ValidationError with a message a member understands; never trust the extension."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels") from exc
    except Exception as exc:  # Pillow raises many types for broken or foreign files.
        raise ValidationError(_("This file is not an image we can read."), code="not_an_image") from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG or WebP image."), code="format")


def normalised_image(upload: UploadedFile, *, max_side: int) -> ContentFile:
    """Re-encode without metadata, upright, no larger than max_side; keeps the original format."""
    upload.seek(0)
    with Image.open(upload) as image:
        image_format = image.format if image.format in ALLOWED_FORMATS else "PNG"
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((max_side, max_side))
        if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        buffer = io.BytesIO()
        upright.save(buffer, format=image_format)
    stem = (upload.name or "image").rsplit("/", 1)[-1].rsplit(".", 1)[0][:40] or "image"
    return ContentFile(buffer.getvalue(), name=f"{stem}.{ALLOWED_FORMATS[image_format]}")
