"""Achievements members share, and the cheers on them.

The rules that belong to the feed itself (authors edit their own, leaders moderate) live here; who may enter
the club is decided by the caller before any of these run.
"""

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.models import Club
from events.models import EventOccurrence
from feed.exceptions import FeedError
from feed.models import ACHIEVEMENT_TEXT_MAX_LENGTH, Achievement, AchievementTag, Cheer
from feed.services.photos import files_delete_on_commit, photo_store
from feed.services.rules import author_or_leader, clean_text
from members.images import PreparedImage
from members.models import User
from notifications.services import notification_send


def _clean_achievement_text(text: str) -> str:
    return clean_text(text, max_length=ACHIEVEMENT_TEXT_MAX_LENGTH, empty_message=_("Tell the club what you achieved."))


def _clean_tag(tag: str) -> str:
    if tag and tag not in AchievementTag.values:
        raise FeedError(_("Please choose one of the tags offered."))
    return tag or ""


def _clean_event(*, club: Club, author: User, event: EventOccurrence | None) -> EventOccurrence | None:
    """Only an event of this club the author attended may be linked; the form offers no others."""
    from feed.selectors import events_attended_by

    if event is not None and not events_attended_by(club=club, user=author).filter(pk=event.pk).exists():
        raise FeedError(_("You can only link an event of this club that you attended."))
    return event


@transaction.atomic
def achievement_create(
    *,
    club: Club,
    author: User,
    text: str,
    tag: str = "",
    photo: UploadedFile | PreparedImage | None = None,
    event: EventOccurrence | None = None,
    now: datetime | None = None,
) -> Achievement:
    """Share an achievement. The photo must already be validated (``members.images.validate_image_upload``)."""
    achievement = Achievement(
        club=club,
        author=author,
        text=_clean_achievement_text(text),
        tag=_clean_tag(tag),
        created_at=now or timezone.now(),
    )
    achievement.event = _clean_event(club=club, author=author, event=event)
    if photo:
        photo_store(photo, full=achievement.photo, small=achievement.photo_feed)
    achievement.save()
    return achievement


@transaction.atomic
def achievement_update(
    *,
    achievement: Achievement,
    editor: User,
    text: str,
    tag: str = "",
    event: EventOccurrence | None,
    now: datetime | None = None,
) -> Achievement:
    """Authors edit their own words; leaders hide instead of rewriting someone else's.

    ``event`` has no default: an edit that left it out would silently unlink the post from its event.
    """
    if achievement.author_id != editor.pk:
        raise FeedError(_("Only the author can edit this post."))
    achievement.text = _clean_achievement_text(text)
    achievement.tag = _clean_tag(tag)
    achievement.event = _clean_event(club=achievement.club, author=editor, event=event)
    achievement.edited_at = now or timezone.now()
    achievement.save(update_fields=["text", "tag", "event", "edited_at"])
    return achievement


@transaction.atomic
def achievement_may_delete(*, achievement: Achievement, actor: User) -> bool:
    """The author or a leader of the club (asked before the confirm page, so others never see one)."""
    return author_or_leader(item=achievement, actor=actor)


def achievement_delete(*, achievement: Achievement, actor: User) -> None:
    """The author or a leader removes a post for good, with its photos, cheers, comments and reports."""
    if not achievement_may_delete(achievement=achievement, actor=actor):
        raise FeedError(_("Only the author or a leader can delete this post."))
    files_delete_on_commit(achievement.photo, achievement.photo_feed)
    achievement.delete()


@transaction.atomic
def cheer_set(*, achievement: Achievement, user: User, cheered: bool) -> bool:
    """Set (not flip) the member's cheer, so a double click or a retried request lands in the same state.

    Returns whether the member now cheers the achievement.
    """
    if not cheered:
        Cheer.objects.filter(achievement=achievement, user=user).delete()
        return False
    try:
        with transaction.atomic():
            Cheer.objects.get_or_create(achievement=achievement, user=user)
    except IntegrityError:
        pass  # a parallel request created it first: the member cheers, which is what they asked for
    # The author's bell, once per cheerer and post (a cheer taken back and given again is told once).
    transaction.on_commit(
        lambda: notification_send(
            kind="cheer",
            user_ids=[achievement.author_id],
            club=achievement.club,
            params={"achievement_id": achievement.pk, "actor_id": user.pk, "actor_name": user.public_name},
            url=achievement.get_absolute_url(),
            actor_id=user.pk,
        ),
        robust=True,  # a notification that fails never undoes the cheer
    )
    return True
