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


# --- Email suppression: bounces and complaints stop every future offer and automation ---------


def email_is_suppressed(email: str) -> bool:
    """Call before sending any offer or automated email to one address."""
    from members.models import EmailSuppression

    return EmailSuppression.objects.filter(email=email.strip().lower()).exists()


def users_with_deliverable_email(users):
    """Narrow a User queryset to addresses that may receive offers and automations (one query, no N+1)."""
    from django.db.models import Exists, OuterRef

    from members.models import EmailSuppression

    return users.exclude(Exists(EmailSuppression.objects.filter(email=OuterRef("email"))))


@transaction.atomic
def email_suppress(*, email: str, reason: str, provider: str = "", event_id: str = "", description: str = ""):
    """Record (or refresh) a suppression; a repeated webhook delivery changes nothing but the last-event time."""
    from members.models import EmailSuppression

    suppression, _created = EmailSuppression.objects.update_or_create(
        email=email.strip().lower(),
        defaults={
            "reason": reason,
            "provider": provider[:40],
            "event_id": event_id[:200],
            "description": description[:500],
        },
    )
    return suppression
