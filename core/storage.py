"""Where uploaded files live: public media (avatars, club covers) and member-only media.

Two backends, chosen by ``settings.MEDIA_STORAGE``:

- ``"local"`` (the default): public media under ``MEDIA_ROOT`` (nothing but ``avatars/`` and
  ``club-covers/``, config/media.py), member-only files (offer images, feed photos, event covers, data
  exports) under ``PRIVATE_MEDIA_ROOT``, a folder no URL and no proxy rule serves: they reach a browser
  only through a view that checks access and streams them (members/images.py ``image_response``).
- ``"s3"``: an S3-compatible object store through django-storages, so that several web hosts share
  nothing on local disk. Public media (``STORAGES["default"]`` = ``PublicMediaS3Storage``) are
  uploaded with a public-read ACL and linked by their public URL (or ``MEDIA_S3_CUSTOM_DOMAIN``).
  Member-only files go to ``MEDIA_S3_PRIVATE_BUCKET`` (default: the same bucket) under
  ``MEDIA_S3_PRIVATE_PREFIX``, always ACL private; after the access check the view answers with a
  redirect to a signed URL that lives ``MEDIA_S3_SIGNED_URL_SECONDS`` (default 5 minutes).

Model fields name the callable ``private_media_storage`` (so migrations stay stable). Django calls it once,
when the model class is built, so what it returns picks its backend on every call from the settings in
force (tests switch MEDIA_STORAGE with the ``settings`` fixture).
"""

import os
from functools import cache

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, Storage

MEDIA_STORAGE_CHOICES = ("local", "s3")
# SigV4 query signatures are valid for at most 7 days.
SIGNED_URL_MAX_SECONDS = 7 * 24 * 3600


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage rooted at ``settings.PRIVATE_MEDIA_ROOT`` (read each time: tests change it); no URL."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private media have no public URL; serve them through a view that checks access.")


def s3_enabled() -> bool:
    return getattr(settings, "MEDIA_STORAGE", "local") == "s3"


def _s3_common_options() -> dict:
    """What both S3 storages share, from the MEDIA_S3_* settings (empty keys: boto3's own chain, e.g. a role)."""
    return {
        "bucket_name": settings.MEDIA_S3_BUCKET,
        "endpoint_url": settings.MEDIA_S3_ENDPOINT_URL or None,
        "region_name": settings.MEDIA_S3_REGION or None,
        "access_key": settings.MEDIA_S3_ACCESS_KEY_ID or None,
        "secret_key": settings.MEDIA_S3_SECRET_ACCESS_KEY or None,
        "signature_version": "s3v4",
        "file_overwrite": False,  # names are random already; never overwrite another member's object
    }


def _acl(acl: str) -> str | None:
    """Object ACLs, unless the bucket has them turned off (then bucket policies decide: docs/production.md)."""
    return acl if settings.MEDIA_S3_OBJECT_ACLS else None


def _s3_storage_class():
    from storages.backends.s3 import S3Storage  # imported only with MEDIA_STORAGE=s3: local needs no boto3

    return S3Storage


def public_s3_options() -> dict:
    """Avatars and club covers: public by design, linked by a plain URL, cached by browsers and CDNs."""
    return {
        **_s3_common_options(),
        "default_acl": _acl("public-read"),
        "querystring_auth": False,
        "custom_domain": settings.MEDIA_S3_CUSTOM_DOMAIN or None,
        "object_parameters": {"CacheControl": "public, max-age=86400"},
    }


def private_s3_options() -> dict:
    """Member-only files: ACL private, never a custom (public) domain, reached only by a signed URL."""
    return {
        **_s3_common_options(),
        "bucket_name": settings.MEDIA_S3_PRIVATE_BUCKET or settings.MEDIA_S3_BUCKET,
        "location": settings.MEDIA_S3_PRIVATE_PREFIX.strip("/"),
        "default_acl": _acl("private"),
        "querystring_auth": True,
        "querystring_expire": settings.MEDIA_S3_SIGNED_URL_SECONDS,
        "custom_domain": None,  # django-storages does not sign custom-domain URLs: private files never use one
    }


class PublicMediaS3Storage:
    """``STORAGES["default"]`` with MEDIA_STORAGE=s3: an S3Storage built from ``public_s3_options()``."""

    def __new__(cls, **options):
        return _s3_storage_class()(**{**public_s3_options(), **options})


@cache
def _private_s3(options: tuple):
    """One S3Storage per configuration (its boto3 clients are per thread, and reused)."""
    return _s3_storage_class()(**dict(options), object_parameters={"CacheControl": "private, no-store"})


def _private_backend() -> Storage:
    if not s3_enabled():
        return _local
    return _private_s3(tuple(sorted(private_s3_options().items())))


class PrivateMediaStorage(Storage):
    """The storage of every member-only file field: local (PRIVATE_MEDIA_ROOT) or S3, per the settings now.

    Each call goes to the backend in force, so one field object (built once, at import) follows
    MEDIA_STORAGE. ``signed_url`` is the only way to a private file's URL, and only on S3.
    """

    @property
    def backend(self) -> Storage:
        return _private_backend()

    @property
    def is_remote(self) -> bool:
        return s3_enabled()

    def signed_url(self, name: str, *, content_type: str, filename: str) -> str | None:
        """A short-lived signed GET URL for ``name`` on S3 (served inline as ``content_type``); None locally."""
        if not s3_enabled():
            return None
        return self.backend.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'inline; filename="{filename}"',
                "ResponseCacheControl": "private, no-store",
            },
        )

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def path(self, name):
        """The file's absolute path on this host's disk: only the local backend (PRIVATE_MEDIA_ROOT) has one.

        Django's contract for storages that are not on the local filesystem is to raise NotImplementedError here,
        and S3Storage (MEDIA_STORAGE=s3) does: an object in a bucket has no path, and another web host could not
        read a path of this one anyway. So the call is passed through, not faked. Callers must not need a path:
        read and write through ``open``/``save`` (a file object works on both backends), and when a library wants
        a filesystem path, copy ``open(name)`` into a temporary file first. Serve files with ``signed_url`` on S3,
        or stream ``open(name)`` locally, after the access check (members/images.py).
        """
        return self.backend.path(name)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def url(self, name):
        raise ValueError("Private media have no public URL; serve them through a view that checks access.")

    @property
    def location(self):
        return getattr(self.backend, "location", "")


_local = PrivateFileSystemStorage()
_private = PrivateMediaStorage()


def private_media_storage() -> PrivateMediaStorage:
    """The callable model fields name (``storage=private_media_storage``), so migrations stay stable."""
    return _private


def signed_private_url(file, *, content_type: str, filename: str) -> str | None:
    """For a FieldFile on the private storage with MEDIA_STORAGE=s3: its signed URL; otherwise None (stream it)."""
    storage = getattr(file, "storage", None)
    if not isinstance(storage, PrivateMediaStorage):
        return None
    return storage.signed_url(file.name, content_type=content_type, filename=filename)


@checks.register("storage")
def media_storage_check(app_configs=None, **kwargs) -> list[checks.Error]:
    """MEDIA_STORAGE=s3 without a bucket or a region/endpoint fails at the first upload: refuse to start instead."""
    mode = getattr(settings, "MEDIA_STORAGE", "local")
    if mode not in MEDIA_STORAGE_CHOICES:
        return [
            checks.Error(
                f"MEDIA_STORAGE ({mode!r}) is neither 'local' nor 's3'.",
                hint="Leave it unset for files on local disk, or set MEDIA_STORAGE=s3 (docs/settings.md).",
                id="core.E030",
            )
        ]
    if mode != "s3":
        return []
    errors = []
    if not settings.MEDIA_S3_BUCKET:
        errors.append(
            checks.Error(
                "MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET.",
                hint="Set MEDIA_S3_BUCKET to the bucket for avatars and club covers (and, without "
                "MEDIA_S3_PRIVATE_BUCKET, for member-only files under MEDIA_S3_PRIVATE_PREFIX).",
                id="core.E031",
            )
        )
    if not settings.MEDIA_S3_REGION and not settings.MEDIA_S3_ENDPOINT_URL:
        errors.append(
            checks.Error(
                "MEDIA_STORAGE=s3 needs MEDIA_S3_REGION (AWS) or MEDIA_S3_ENDPOINT_URL (another S3-compatible store).",
                hint="For example MEDIA_S3_REGION=eu-central-1, or MEDIA_S3_ENDPOINT_URL=https://s3.example.net.",
                id="core.E032",
            )
        )
    if bool(settings.MEDIA_S3_ACCESS_KEY_ID) != bool(settings.MEDIA_S3_SECRET_ACCESS_KEY):
        errors.append(
            checks.Error(
                "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY must be set together.",
                hint="Set both, or neither to use the host's own credentials (an instance role).",
                id="core.E033",
            )
        )
    if not 1 <= settings.MEDIA_S3_SIGNED_URL_SECONDS <= SIGNED_URL_MAX_SECONDS:
        errors.append(
            checks.Error(
                f"MEDIA_S3_SIGNED_URL_SECONDS ({settings.MEDIA_S3_SIGNED_URL_SECONDS}) must be between 1 and "
                f"{SIGNED_URL_MAX_SECONDS} (7 days, the longest an S3 signature lasts).",
                hint="The default, 300 (5 minutes), is enough for a browser to follow the redirect.",
                id="core.E034",
            )
        )
    if not settings.MEDIA_S3_PRIVATE_PREFIX.strip("/") and (
        not settings.MEDIA_S3_PRIVATE_BUCKET or settings.MEDIA_S3_PRIVATE_BUCKET == settings.MEDIA_S3_BUCKET
    ):
        errors.append(
            checks.Error(
                "Member-only files would share the public bucket's root with avatars and club covers.",
                hint="Set MEDIA_S3_PRIVATE_BUCKET to a bucket of their own, or keep MEDIA_S3_PRIVATE_PREFIX (private).",
                id="core.E035",
            )
        )
    return errors


def move_to_private_root(apps, schema_editor, *, app_label: str, model_name: str, fields: tuple[str, ...]) -> None:
    """Migration step: files stored under MEDIA_ROOT before the private root existed move there (same name)."""
    import shutil
    from pathlib import Path

    public_root, private_root = Path(settings.MEDIA_ROOT).resolve(), Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    model = apps.get_model(app_label, model_name)
    for names in model.objects.values_list(*fields).iterator():
        for name in filter(None, names):
            source, target = (public_root / name).resolve(), (private_root / name).resolve()
            if source.is_relative_to(public_root) and target.is_relative_to(private_root) and source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source, target)
