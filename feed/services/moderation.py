"""Reports and moderation, one queue for posts, feed comments and comments under announcements."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feed.exceptions import FeedError
from feed.models import (
    REPORT_REASON_MAX_LENGTH,
    Achievement,
    AnnouncementComment,
    Comment,
    Report,
    ReportResolution,
)
from feed.services.rules import item_club, require_leader
from members.models import User


@transaction.atomic
def report_create(
    *,
    reporter: User,
    achievement: Achievement | None = None,
    comment: Comment | None = None,
    announcement_comment: AnnouncementComment | None = None,
    reason: str = "",
) -> Report:
    """Flag a post or a comment (under a post or an announcement) for the leaders; once per item, never one's own."""
    targets = {
        name: item
        for name, item in (
            ("achievement", achievement),
            ("comment", comment),
            ("announcement_comment", announcement_comment),
        )
        if item is not None
    }
    try:
        ((target_name, item),) = targets.items()  # exactly one thing is reported
    except ValueError:
        raise FeedError(_("Report a post or a comment.")) from None
    if item.author_id == reporter.pk:
        raise FeedError(_("You cannot report your own post or comment; edit or delete it instead."))
    club = item_club(item)
    target = {target_name: item}
    if Report.objects.filter(reporter=reporter, **target).exists():
        raise FeedError(_("You already reported this. The leaders will look at it."))
    try:
        with transaction.atomic():
            return Report.objects.create(
                club=club, reporter=reporter, reason=(reason or "").strip()[:REPORT_REASON_MAX_LENGTH], **target
            )
    except IntegrityError as exc:
        raise FeedError(_("You already reported this. The leaders will look at it.")) from exc


def _resolve_reports(*, reports, moderator: User, resolution: str, now: datetime) -> None:
    reports.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=moderator, resolution=resolution)


@transaction.atomic
def item_set_hidden(
    *, item: Achievement | Comment | AnnouncementComment, moderator: User, hidden: bool, now: datetime | None = None
) -> Achievement | Comment | AnnouncementComment:
    """Leaders hide (members stop seeing it) or restore an item; either way its open reports are answered."""
    club = item_club(item)
    require_leader(user=moderator, club=club)
    now = now or timezone.now()
    item.is_hidden = hidden
    item.hidden_at = now if hidden else None
    item.hidden_by = moderator if hidden else None
    item.save(update_fields=["is_hidden", "hidden_at", "hidden_by"])
    _resolve_reports(
        reports=item.reports.all(),
        moderator=moderator,
        resolution=ReportResolution.HIDDEN if hidden else ReportResolution.KEPT,
        now=now,
    )
    return item
