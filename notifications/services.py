"""Writes: store notifications, mark them read, set email choices, send the immediate emails and the digest."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.models import Club, Membership
from clubs.texts import club_names_by_language
from core.redirects import is_site_path
from members.models import User
from notifications import emails
from notifications.exceptions import NotificationsError
from notifications.kinds import KINDS, EmailChoice, kind_get
from notifications.models import Notification, NotificationPreference
from notifications.selectors import email_choices_for, users_wanting_email_now

# A digest tells what arrived since about the last one; older items (a choice changed to the digest weeks
# later) are not dug up.
DIGEST_LOOKBACK = timedelta(days=2)


def _may_enter(user_ids: set[int], club: Club) -> set[int]:
    """Those of ``user_ids`` who may enter the club: members with access (the one rule) and its leaders."""
    access = Membership.objects.with_access().filter(club=club, user=OuterRef("pk"))
    leads = Club.leaders.through.objects.filter(club=club, user=OuterRef("pk"))
    return set(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .filter(Q(Exists(access)) | Q(Exists(leads)))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def notification_send(
    *,
    kind: str,
    user_ids: Iterable[int],
    club: Club | None,
    params: dict,
    url: str,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Store one unread notification per user and send email per each user's choice; returns how many it stored.

    Called by the app where the thing happened, after its write. Sending the same happening again (same
    kind and key params, kinds.Kind.key) stores nothing and emails nobody, so a retried task is harmless.
    The actor never hears of their own action, and in a club only those who may enter it are told (a
    failed payment reaches the payer whatever their access). Kinds whose app sends its own email
    (``own_email``) get no second one from here; the others are emailed after commit to those who chose
    "immediately". ``url`` must be a path of this site.
    """
    spec = kind_get(kind)
    if url and not is_site_path(url):
        raise ValueError(f"A notification links to a path of this site, not {url!r}.")
    now = now or timezone.now()
    ids = {int(user_id) for user_id in user_ids}
    ids.discard(actor_id)  # type: ignore[arg-type]
    if not ids:
        return 0
    if club is not None and spec.requires_access:
        ids = _may_enter(ids, club)
    else:
        ids = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    params = dict(params)
    if club is not None:
        params.setdefault("club_name", club.name)
        # The club's name in each language it is given in (clubs/texts.py): the text renders in the viewer's.
        names = club_names_by_language(club)
        if names:
            params.setdefault("club_names", names)
    key = spec.key(params)
    ids -= set(Notification.objects.filter(kind=kind, key=key, user_id__in=ids).values_list("user_id", flat=True))
    if not ids:
        return 0
    wanting_now = set(users_wanting_email_now(user_ids=ids, kind=kind))
    # An own-email kind is emailed by its app to exactly these: recorded, so no digest tells it again.
    emailed_at = now if spec.own_email else None
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                key=key,
                club=club,
                params=params,
                url=url,
                created_at=now,
                emailed_at=emailed_at if user_id in wanting_now else None,
            )
            for user_id in sorted(ids)
        ],
        ignore_conflicts=True,  # a send racing this one stored some already: theirs stands
    )
    if wanting_now and not spec.own_email:
        to_email = list(
            Notification.objects.filter(
                kind=kind, key=key, user_id__in=wanting_now, emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )
        if to_email:
            from notifications.tasks import send_notification_emails

            transaction.on_commit(lambda: send_notification_emails.delay(to_email))
    return len(ids)


@transaction.atomic
def notification_email_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """Email one notification to its person, once: the row is claimed before sending, and a failed send
    rolls the claim back so a retry sends it. False when already sent, or the choice changed meanwhile."""
    now = now or timezone.now()
    notification = Notification.objects.select_related("user", "club").filter(pk=notification_id).first()
    if notification is None or KINDS.get(notification.kind) is None or KINDS[notification.kind].own_email:
        return False
    if email_choices_for(user=notification.user).get(notification.kind) != EmailChoice.IMMEDIATELY:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=now)
    if not claimed:
        return False
    return emails.notification_email_send(notification=notification)


def _own(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User, now: datetime | None = None) -> Notification:
    """Mark one of the user's notifications read (opening it does); reading it again changes nothing."""
    if notification.user_id != user.pk:
        raise NotificationsError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        _own(user).filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the user read; returns how many changed (one UPDATE)."""
    return _own(user).filter(read_at__isnull=True).update(read_at=now or timezone.now())


@transaction.atomic
def preferences_set(*, user: User, choices: dict[str, str]) -> None:
    """Store the user's email choice per kind; a kind or choice we do not know is refused, nothing changed."""
    known_choices = {value for value, _label in EmailChoice.choices()}
    for kind, choice in choices.items():
        if kind not in KINDS or choice not in known_choices:
            raise NotificationsError(_("Choose immediately, the daily digest or never for each kind."))
    for kind, choice in choices.items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": choice})


@transaction.atomic
def preferences_turn_off(*, user: User, kinds: Iterable[str]) -> None:
    """The one-click unsubscribe: no more email for these kinds (the notifications stay in the site)."""
    preferences_set(user=user, choices=dict.fromkeys(kinds, EmailChoice.NEVER))


@transaction.atomic
def digest_send(*, user_id: int, now: datetime | None = None) -> int:
    """Email one person a digest of their notifications whose kind they want in the digest; returns how many.

    Each notification is told once: the person's row is locked while their notifications are read, sent
    and marked, so two runs at the same time cannot both send them; if sending fails nothing is marked
    and the next run tries again. Those already emailed on their own are left out.
    """
    now = now or timezone.now()
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    kinds = [kind for kind, choice in email_choices_for(user=user).items() if choice == EmailChoice.DIGEST]
    if not kinds:
        return 0
    items = list(
        _own(user)
        .filter(
            kind__in=kinds,
            digested_at__isnull=True,
            emailed_at__isnull=True,
            created_at__gte=now - DIGEST_LOOKBACK,
            created_at__lte=now,
        )
        .select_related("club")
        .order_by("created_at", "pk")
    )
    if not items:
        return 0
    emails.digest_email_send(user=user, notifications=items)
    _own(user).filter(pk__in=[item.pk for item in items]).update(digested_at=now)
    return len(items)
