"""The activity digest: one email that tells an author the new cheers and comments on their posts."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clubs.models import Membership
from core import emails
from feed.models import Achievement, Cheer, Comment
from members.emails import links_for, recipient_for
from members.models import User

# Older news is no longer news: an author who was away (or opted out) is not sent a month of cheers later.
DIGEST_LOOKBACK = timedelta(days=14)


@dataclass
class DigestEntry:
    """What happened on one achievement since the author's last digest."""

    achievement: Achievement
    cheers: list[Cheer] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _undigested(model, *, author: User, since: datetime):
    """Cheers or comments by others on the author's visible posts, in clubs the author may still enter."""
    clubs_with_access = Membership.objects.with_access().filter(user=author).values("club")
    items = model.objects.filter(
        achievement__author=author,
        achievement__is_hidden=False,
        digested_at__isnull=True,
        created_at__gte=since,
    ).filter(Q(achievement__club__in=clubs_with_access) | Q(achievement__club__in=author.led_clubs.values("pk")))
    items = items.exclude(**{"user" if model is Cheer else "author": author})
    if model is Comment:
        items = items.filter(is_hidden=False)
    return items


def activity_digest_author_ids(*, now: datetime | None = None) -> list[int]:
    """Authors with something new to hear about who want the digest (one query per kind of item)."""
    since = (now or timezone.now()) - DIGEST_LOOKBACK
    base = {"achievement__author__email_activity_digest": True, "digested_at__isnull": True, "created_at__gte": since}
    ids = set(Cheer.objects.filter(**base).values_list("achievement__author_id", flat=True))
    ids |= set(Comment.objects.filter(**base).values_list("achievement__author_id", flat=True))
    return sorted(ids)


@transaction.atomic
def activity_digest_send(*, user_id: int, now: datetime | None = None) -> int:
    """Email an author one summary of new cheers and comments on their posts; returns how many items it told.

    Each cheer and comment is told once: the author's row is locked while the items are read, sent and
    marked, so two runs at the same time cannot both send them; if sending fails, nothing is marked and
    the next run tries again. Authors who turned the digest off get nothing.
    """
    now = now or timezone.now()
    author = User.objects.select_for_update().get(pk=user_id)
    if not author.email_activity_digest:
        return 0
    since = now - DIGEST_LOOKBACK
    cheers = list(
        _undigested(Cheer, author=author, since=since).select_related("user", "achievement__club").order_by("pk")
    )
    comments = list(
        _undigested(Comment, author=author, since=since).select_related("author", "achievement__club").order_by("pk")
    )
    if not cheers and not comments:
        return 0
    entries: dict[int, DigestEntry] = {}
    for cheer in cheers:
        entries.setdefault(cheer.achievement_id, DigestEntry(cheer.achievement)).cheers.append(cheer)
    for comment in comments:
        entries.setdefault(comment.achievement_id, DigestEntry(comment.achievement)).comments.append(comment)
    _send_digest_email(author=author, entries=sorted(entries.values(), key=lambda entry: -entry.achievement.pk))
    Cheer.objects.filter(pk__in=[cheer.pk for cheer in cheers]).update(digested_at=now)
    Comment.objects.filter(pk__in=[comment.pk for comment in comments]).update(digested_at=now)
    return len(cheers) + len(comments)


def _send_digest_email(*, author: User, entries: list[DigestEntry]) -> None:
    club = entries[0].achievement.club
    context = {
        "user": author,
        "entries": [
            {
                "achievement": entry.achievement,
                "club": entry.achievement.club,
                "cheers": entry.cheers,
                "comments": entry.comments,
                "url": settings.SITE_URL + entry.achievement.get_absolute_url(),
            }
            for entry in entries
        ],
        "cheer_count": sum(len(entry.cheers) for entry in entries),
        "comment_count": sum(len(entry.comments) for entry in entries),
        "profile_url": settings.SITE_URL + reverse("members:profile"),
    }
    # A digest spans the author's clubs: it comes from the site, in the first club's language as a fallback.
    emails.email_send(
        recipient=recipient_for(author),
        branding=replace(emails.site_branding(), default_language=club.default_language),
        category=emails.DIGEST,
        subject_template="feed/email/activity_digest_subject.txt",
        text_template="feed/email/activity_digest.txt",
        html_template="feed/email/activity_digest.html",
        context=context,
        links=links_for(user=author, category=emails.DIGEST),
    )
