"""Writes to accounts. Views and commands call these; nothing else saves a User's profile."""

from django.conf import settings
from django.db import transaction

from members.images import normalised_image
from members.models import User

AVATAR_MAX_SIDE = 512


@transaction.atomic
def user_profile_update(*, user: User, data: dict) -> User:
    """Apply validated profile fields; a new avatar is re-encoded so its EXIF never gets stored."""
    avatar = data.pop("avatar", None)
    for field, value in data.items():
        setattr(user, field, value)
    if avatar is False:  # the "clear" checkbox of the avatar field
        user.avatar.delete(save=False)
        user.avatar = ""
    elif avatar is not None and hasattr(avatar, "content_type"):
        image = normalised_image(avatar, max_side=AVATAR_MAX_SIDE)
        user.avatar.save(image.name, image, save=False)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def user_language_set(*, user: User, language: str) -> None:
    """Remember the chosen language; unknown codes are ignored (Django's set_language does the same)."""
    if language in dict(settings.LANGUAGES) and language != user.preferred_language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
