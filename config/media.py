"""Public media (avatars and club covers) in development and behind a proxy that forwards /media/.

``django.views.static.serve`` normalises the path after matching the URL, so ``avatars/%2e%2e/...``
escaped the folder. Here the path is resolved first and must stay inside its own folder of
``MEDIA_ROOT``; anything else (``..``, encoded or not, backslashes, NUL, symlinks out, another folder,
a file type we do not serve) is 404. Member-only uploads are not under ``MEDIA_ROOT`` at all
(``PRIVATE_MEDIA_ROOT``, core/storage.py). In production nginx serves the two folders itself (README).
"""

from pathlib import Path

from django.conf import settings
from django.http import Http404

from members.images import image_response

PUBLIC_FOLDERS = ("avatars", "club-covers")


def public_media_path(folder: str, path: str) -> Path:
    """The file under MEDIA_ROOT/folder that ``path`` names, or Http404 if it would resolve anywhere else."""
    if folder not in PUBLIC_FOLDERS or not path or "\x00" in path or "\\" in path or "%" in path:
        raise Http404
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise Http404
    base = (Path(settings.MEDIA_ROOT) / folder).resolve()
    try:
        target = (base / path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise Http404 from exc
    if not target.is_relative_to(base) or not target.is_file():
        raise Http404
    return target


def public_media(request, folder: str, path: str):
    target = public_media_path(folder, path)
    return image_response(target, download_name=target.stem, private=False)
