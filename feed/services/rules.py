"""The feed's own rules that every kind of post and comment shares: text bounds, who leads, who may delete.

Who may enter the club is decided by the caller (``clubs.permissions.club_viewer``) before any service runs.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.models import Club
from clubs.permissions import user_leads_club
from feed.exceptions import FeedError
from feed.models import COMMENT_TEXT_MAX_LENGTH, Achievement, AnnouncementComment, Comment
from members.models import User


def clean_text(text: str, *, max_length: int, empty_message: str) -> str:
    """Forms check this too; services check again because tasks and the seeder bypass forms."""
    text = (text or "").strip()
    if not text:
        raise FeedError(empty_message)
    if len(text) > max_length:
        raise FeedError(
            ngettext(
                "Please keep it under %(limit)d character.", "Please keep it under %(limit)d characters.", max_length
            )
            % {"limit": max_length}
        )
    return text


def clean_comment_text(text: str) -> str:
    """One rule for every comment, under a post or under an announcement."""
    return clean_text(text, max_length=COMMENT_TEXT_MAX_LENGTH, empty_message=_("Write a comment first."))


def require_leader(*, user: User, club: Club) -> None:
    """Moderation, the highlight and announcements are the leaders' (staff pass as leaders)."""
    if not user_leads_club(user=user, club=club):
        raise FeedError(_("Only the club's leaders can do this."))


def item_club(item: Achievement | Comment | AnnouncementComment) -> Club:
    """The club a post or a comment belongs to."""
    if isinstance(item, Achievement):
        return item.club
    if isinstance(item, AnnouncementComment):
        return item.announcement.club
    return item.achievement.club


def author_or_leader(*, item: Achievement | Comment | AnnouncementComment, actor: User) -> bool:
    """Who may delete a post or a comment: its author, or a leader of its club."""
    return item.author_id == actor.pk or user_leads_club(user=actor, club=item_club(item))
