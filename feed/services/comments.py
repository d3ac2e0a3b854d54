"""Comments under achievements and under announcements: one length rule, one rule for who may delete.

Authors edit their own words; leaders hide (``feed.services.moderation``) instead of rewriting them.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feed.exceptions import FeedError
from feed.models import Achievement, Announcement, AnnouncementComment, Comment
from feed.services.rules import author_or_leader, clean_comment_text
from members.models import User
from notifications.services import notification_send


def _delete(*, comment: Comment | AnnouncementComment, actor: User) -> None:
    if not author_or_leader(item=comment, actor=actor):
        raise FeedError(_("Only the author or a leader can delete this comment."))
    comment.delete()


@transaction.atomic
def comment_create(*, achievement: Achievement, author: User, text: str) -> Comment:
    """Comment under a post; its author hears of it in the site (and in the activity digest)."""
    comment = Comment.objects.create(achievement=achievement, author=author, text=clean_comment_text(text))
    transaction.on_commit(
        lambda: notification_send(
            kind="reply",
            user_ids=[achievement.author_id],
            club=achievement.club,
            params={"comment_id": comment.pk, "actor_name": author.public_name, "excerpt": comment.text[:80]},
            url=f"{achievement.get_absolute_url()}#comment-{comment.pk}",
            actor_id=author.pk,
        ),
        robust=True,  # a notification that fails never undoes the comment
    )
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, editor: User, text: str, now: datetime | None = None) -> Comment:
    if comment.author_id != editor.pk:
        raise FeedError(_("Only the author can edit this comment."))
    comment.text = clean_comment_text(text)
    comment.edited_at = now or timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    return comment


def comment_may_delete(*, comment: Comment, actor: User) -> bool:
    return author_or_leader(item=comment, actor=actor)


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    _delete(comment=comment, actor=actor)


@transaction.atomic
def announcement_comment_create(*, announcement: Announcement, author: User, text: str) -> AnnouncementComment:
    """Members comment only where the leader allows it (checked here too: a form posted after closing)."""
    if not announcement.comments_enabled:
        raise FeedError(_("Comments are closed on this announcement."))
    return AnnouncementComment.objects.create(announcement=announcement, author=author, text=clean_comment_text(text))


def announcement_comment_may_delete(*, comment: AnnouncementComment, actor: User) -> bool:
    return author_or_leader(item=comment, actor=actor)


@transaction.atomic
def announcement_comment_delete(*, comment: AnnouncementComment, actor: User) -> None:
    _delete(comment=comment, actor=actor)
