"""Where uploaded files live: public media (avatars, club covers) and the private root.

Member-only files (offer images, feed photos) are stored under ``PRIVATE_MEDIA_ROOT``, a folder no URL
and no proxy rule serves: they reach a browser only through a view that checks access. Public media
(``MEDIA_ROOT``) holds nothing but ``avatars/`` and ``club-covers/``.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateMediaStorage(FileSystemStorage):
    """FileSystemStorage rooted at ``settings.PRIVATE_MEDIA_ROOT`` (read each time: tests change it); no URL."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private media have no public URL; serve them through a view that checks access.")


_private = PrivateMediaStorage()


def private_media_storage() -> PrivateMediaStorage:
    """The callable model fields name (``storage=private_media_storage``), so migrations stay stable."""
    return _private


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
