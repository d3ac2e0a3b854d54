"""The member's private calendar feed token: one live secret at a time, revocable."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from events.models import CalendarFeedToken
from members.models import User


@transaction.atomic
def calendar_token_issue(*, user: User, now: datetime | None = None) -> CalendarFeedToken:
    """A new secret URL; the old one (if any) stops working at once, for a link that was shared by mistake."""
    calendar_token_revoke(user=user, now=now)
    return CalendarFeedToken.objects.create(user=user)


@transaction.atomic
def calendar_token_revoke(*, user: User, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


def calendar_token_mark_used(*, token: str, now: datetime | None = None) -> None:
    """Shown on the settings page, so a member can tell whether a calendar app still reads the feed."""
    CalendarFeedToken.objects.filter(token=token).update(last_used_at=now or timezone.now())
