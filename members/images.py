"""The one path of every uploaded image (avatars, club covers, offer images, feed photos).

Uploads are untrusted. We read the real format and the dimensions from the header (never the file
name), refuse what is too large *before* decoding, decode once, and re-encode every size we keep from
that one decode, so EXIF data (GPS position, camera serial) never leaves the server and the stored
file is exactly one of three image formats under a name we generate.

Memory bound per upload: at most ``MAX_PIXELS`` (16,777,216 = 4096 x 4096) pixels are decoded, at most
4 bytes each (RGBA, CMYK or 32-bit grey): 64 MiB for the decoded image, plus the resized copies (at most
a quarter of it for the integer pre-reduction, and the kept sizes). JPEGs larger than that in the header
(up to ``MAX_JPEG_HEADER_PIXELS``) are decoded at 1/2, 1/4 or 1/8 of their size with Pillow's
``draft()`` (DCT scaling in libjpeg), which never allocates the full size. README "Uploads" has the figures.
"""

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from core.exceptions import DomainError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MAX_PIXELS = 4096 * 4096
MAX_JPEG_HEADER_PIXELS = 8192 * 8192  # decoded at 1/2 or less with draft(), so never more than MAX_PIXELS
BYTES_PER_PIXEL_WORST = 4
# EXIF orientation -> the transposition that makes the image upright (as ImageOps.exif_transpose does).
ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageRejected(DomainError):
    """An upload we will not store: not an image, a format we do not keep, or too many pixels."""


@dataclass(frozen=True)
class PreparedImage:
    """One decode, every size: ``files[side]`` is the re-encoded copy no larger than ``side`` pixels."""

    files: dict[int, ContentFile]
    extension: str


def _too_many_pixels(width: int, height: int) -> ImageRejected:
    return ImageRejected(
        _(
            "The image has too many pixels (%(width)s x %(height)s); the limit is %(limit)s million pixels "
            "(for example 4096 x 4096). Please upload a smaller image."
        )
        % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}
    )


def _check_header(image: Image.Image) -> str:
    """The stored extension; raises before any pixel is decoded."""
    if image.format not in ALLOWED_FORMATS:
        raise ImageRejected(_("Please upload a JPEG, PNG or WebP image."))
    width, height = image.size
    limit = MAX_JPEG_HEADER_PIXELS if image.format == "JPEG" else MAX_PIXELS
    if width * height > limit or (getattr(image, "n_frames", 1) > 1 and width * height * image.n_frames > limit):
        raise _too_many_pixels(width, height)
    return ALLOWED_FORMATS[image.format]


def _open(upload) -> Image.Image:
    upload.seek(0)
    try:
        return Image.open(upload)
    except Image.DecompressionBombError as exc:
        raise ImageRejected(_("The image has too many pixels.")) from exc
    except Exception as exc:  # Pillow raises many types for broken or foreign files.
        raise ImageRejected(_("This file is not an image we can read.")) from exc


def _check_size(upload, max_bytes: int | None) -> None:
    if max_bytes is not None and upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
        )


def validate_image_upload(upload: UploadedFile, *, max_bytes: int) -> None:
    """Header-only checks (size, real format, pixels) for a form; raises ValidationError. Decodes nothing."""
    try:
        _check_size(upload, max_bytes)
        with _open(upload) as image:
            _check_header(image)
    except ImageRejected as error:
        raise ValidationError(str(error), code="image") from error
    finally:
        upload.seek(0)


def _resized(image: Image.Image, side: int) -> Image.Image:
    """A new image no larger than side x side (aspect kept); the source is left as it is."""
    width, height = image.size
    scale = min(1.0, side / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size == image.size:
        return image.copy()
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def prepare_image(upload: File, *, sides: Sequence[int], max_bytes: int | None = None) -> PreparedImage:
    """Check the header, decode once (JPEG at a reduced scale where that suffices), re-encode each size.

    Raises ImageRejected with a message a member understands; forms turn it into a field error.
    """
    _check_size(upload, max_bytes)
    largest = max(sides)
    try:
        with _open(upload) as image:
            extension = _check_header(image)
            image_format = image.format
            orientation = image.getexif().get(0x0112, 1)
            if image_format == "JPEG":
                image.draft("RGB" if image.mode == "RGB" else image.mode, (largest, largest))
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise _too_many_pixels(*image.size)
            image.load()  # the one decode
            files = {}
            for side in sorted(set(sides), reverse=True):
                copy = _resized(image, side)
                if orientation in ORIENTATION:
                    copy = copy.transpose(ORIENTATION[orientation])
                if image_format == "JPEG" and copy.mode not in ("RGB", "L"):
                    copy = copy.convert("RGB")
                buffer = io.BytesIO()
                copy.save(buffer, format=image_format)
                files[side] = ContentFile(buffer.getvalue(), name=f"image.{extension}")
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected(_("The image has too many pixels.")) from exc
    except Exception as exc:  # truncated or corrupt data shows only when decoding
        raise ImageRejected(_("This file is not an image we can read.")) from exc
    finally:
        upload.seek(0)
    return PreparedImage(files=files, extension=extension)


def prepare_image_for_form(upload: UploadedFile, *, sides: Sequence[int], max_bytes: int) -> PreparedImage:
    """``prepare_image`` for a form's ``clean_<field>``: a refusal becomes the field's error."""
    try:
        return prepare_image(upload, sides=sides, max_bytes=max_bytes)
    except ImageRejected as error:
        raise ValidationError(str(error), code="image") from error


def as_prepared(image, *, sides: Sequence[int]) -> PreparedImage:
    """What services accept: a form's PreparedImage (already decoded), or a raw upload decoded here once."""
    if isinstance(image, PreparedImage) and set(sides) <= set(image.files):
        return image
    return prepare_image(image, sides=sides)


def generated_name(folder: str, filename: str) -> str:
    """``folder/<random>.<ext>``: the member's file name is never kept; the extension is one we serve."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = extension if extension in CONTENT_TYPES else "bin"  # not served: only image types are
    return f"{folder}/{uuid.uuid4().hex}.{extension}"


def content_type_for(name: str) -> str | None:
    """The image type of a stored name, or None: only these are ever served."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def delete_replaced_file_on_commit(instance, field_name: str) -> None:
    """Call before saving ``instance``: once the transaction commits, the file it replaced is deleted.

    The stored name is read from the database (a ModelForm has already set the new file on the
    instance). A rollback keeps the old file, which the row still names.
    """
    if instance.pk is None:
        return
    old = instance._meta.model._default_manager.filter(pk=instance.pk).values_list(field_name, flat=True).first()
    if not old:
        return
    storage = instance._meta.get_field(field_name).storage

    def delete():
        current = (
            instance._meta.model._default_manager.filter(pk=instance.pk).values_list(field_name, flat=True).first()
        )
        if current != old:
            storage.delete(old)

    transaction.on_commit(delete)


def image_response(file, *, download_name: str, private: bool):
    """Serve a stored upload as what it is: an image type from our own list, never sniffed, never a page.

    ``file`` is a FieldFile (or a path-like opened by the caller); anything but jpg/png/webp is 404.
    With MEDIA_STORAGE=s3 a private file is not streamed through the web worker: the caller has checked
    access, so the answer is a redirect to a signed URL that lives MEDIA_S3_SIGNED_URL_SECONDS
    (core/storage.py), never stored by any cache, so a shared link stops working within minutes.
    """
    from django.http import FileResponse, Http404, HttpResponseRedirect
    from django.utils.cache import patch_cache_control, patch_vary_headers

    from core.storage import signed_private_url

    name = getattr(file, "name", str(file))
    content_type = content_type_for(name)
    if content_type is None:
        raise Http404
    extension = name.rsplit(".", 1)[-1].lower()
    if private and (
        signed := signed_private_url(file, content_type=content_type, filename=f"{download_name}.{extension}")
    ):
        redirect = HttpResponseRedirect(signed)
        patch_cache_control(redirect, private=True, no_store=True)
        patch_vary_headers(redirect, ["Cookie"])
        redirect["Referrer-Policy"] = "no-referrer"  # the page's address stays out of the store's logs
        return redirect
    try:
        handle = file.open("rb") if hasattr(file, "open") else open(file, "rb")  # noqa: SIM115 (FileResponse closes it)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{download_name}.{extension}"'
    if private:
        patch_cache_control(response, private=True, max_age=3600)
        patch_vary_headers(response, ["Cookie"])
    else:
        patch_cache_control(response, public=True, max_age=86400)
    return response
