"""Writes to accounts. Views and commands call these; nothing else saves a User's profile."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from core.text import single_line
from members.images import PreparedImage, as_prepared, delete_replaced_file_on_commit
from members.models import User

AVATAR_MAX_SIDE = 512


@transaction.atomic
def user_profile_update(*, user: User, data: dict) -> User:
    """Apply validated profile fields; a new avatar is re-encoded so its EXIF never gets stored.

    ``avatar`` is False (cleared), a PreparedImage or re-encoded file from the form, or a raw upload
    (decoded here). The file it replaces is deleted once the change commits, so it stops being public.
    """
    avatar = data.pop("avatar", None)
    if "display_name" in data:
        data["display_name"] = single_line(data["display_name"])
    for field, value in data.items():
        setattr(user, field, value)
    delete_replaced_file_on_commit(user, "avatar")
    if avatar is False:  # the "clear" checkbox of the avatar field
        user.avatar = ""
    elif isinstance(avatar, PreparedImage) or hasattr(avatar, "content_type"):
        image = as_prepared(avatar, sides=[AVATAR_MAX_SIDE]).files[AVATAR_MAX_SIDE]
        user.avatar.save(image.name, image, save=False)
    elif avatar is not None and not getattr(avatar, "_committed", True):  # re-encoded by ProfileForm
        user.avatar.save(avatar.name, avatar, save=False)
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
    """Call before sending any offer or automated email to one address (the bulk check with one address)."""
    return bool(emails_suppressed([email]))


SUPPRESSION_LOOKUP_SIZE = 500  # addresses per query: well inside every database's limit of bound parameters


def emails_suppressed(emails: Iterable[str]) -> set[str]:
    """The suppressed ones among ``emails``, each as given: one query per 500 addresses, not one per email.

    A fan-out asks this once per chunk (core.emails.emails_blocked). Stored addresses are lower-cased
    (``EmailSuppression``), so each is compared stripped and lower-cased, as a single lookup would be.
    """
    from members.models import EmailSuppression

    given: dict[str, list[str]] = {}
    for email in emails:
        given.setdefault(email.strip().lower(), []).append(email)
    keys = list(given)
    suppressed: set[str] = set()
    for start in range(0, len(keys), SUPPRESSION_LOOKUP_SIZE):
        found = EmailSuppression.objects.filter(email__in=keys[start : start + SUPPRESSION_LOOKUP_SIZE])
        for key in found.values_list("email", flat=True):
            suppressed.update(given.get(key, ()))
    return suppressed


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


@transaction.atomic
def email_preference_turn_off(*, user: User, field: str) -> bool:
    """One-click unsubscribe (RFC 8058): turn one email preference off; False when it was off already."""
    from members.emails import EMAIL_PREFERENCES

    if field not in EMAIL_PREFERENCES:
        raise ValueError(f"{field!r} is not an email preference.")
    return bool(User.objects.filter(pk=user.pk, **{field: True}).update(**{field: False}))
