"""Reads: who wants an email now, each person's choices, the bell's count and the notifications page."""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from members.models import User
from notifications.kinds import KINDS, EmailChoice, kind_get
from notifications.models import Notification, NotificationPreference


def _with_choice(users: QuerySet, *, kind: str) -> QuerySet:
    """Each user annotated with their email choice for ``kind`` (their row, else the kind's default)."""
    chosen = NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind).values("email")[:1]
    return users.annotate(notification_email=Coalesce(Subquery(chosen), Value(kind_get(kind).default_email)))


def users_wanting_email_now(*, user_ids: Iterable[int], kind: str) -> list[int]:
    """The ids among ``user_ids`` whose choice for ``kind`` is "immediately" (one query).

    Apps that send their own email for a kind (``own_email``) send it to these; the others get theirs
    from notifications.
    """
    ids = {int(user_id) for user_id in user_ids}
    if not ids:
        return []
    users = _with_choice(User.objects.filter(pk__in=ids, is_active=True), kind=kind)
    return sorted(users.filter(notification_email=EmailChoice.IMMEDIATELY).values_list("pk", flat=True))


def email_choices_for(*, user: User) -> dict[str, str]:
    """kind -> the user's email choice, defaults filled in (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {name: chosen.get(name, kind.default_email) for name, kind in KINDS.items()}


def unread_count(*, user: User) -> int:
    """The bell's figure: one COUNT on the partial unread index."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first; nothing joined, the text renders from the row itself."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def notification_get(*, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications; another person's is None (the view answers 404)."""
    return Notification.objects.filter(user=user, pk=notification_id).first()


def digest_user_ids() -> list[int]:
    """People with notifications not yet in a digest whose choice for that kind is the digest.

    One query per kind (eight): the choice lives per kind, with a default when no row exists.
    """
    ids: set[int] = set()
    for name in KINDS:
        pending = Notification.objects.filter(kind=name, digested_at__isnull=True, emailed_at__isnull=True)
        users = _with_choice(User.objects.filter(is_active=True, pk__in=pending.values("user_id")), kind=name)
        ids |= set(users.filter(notification_email=EmailChoice.DIGEST).values_list("pk", flat=True))
    return sorted(ids)
