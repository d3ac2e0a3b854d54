"""Writes to the club feed, one module per concern. Views, tasks and the demo seeder call these; nothing else writes.

- ``achievements``: members share achievements (text, tag, photo, event) and cheer them.
- ``comments``: comments under achievements and under announcements, one length rule for both.
- ``moderation``: reports and hiding, one queue for posts and both kinds of comment.
- ``highlights``: the highlight of the week, in the club's weeks.
- ``digest``: the email that tells authors their new cheers and comments.
- ``announcements``: leaders' announcements and the club's weekly email limit;
  ``announcement_emails`` tells the club in the site and sends the email once per member.
- ``photos`` and ``rules``: what the others share (the photo pipeline; text bounds, leaders, who may delete).

Who may enter the club is decided by the caller (``clubs.permissions.club_viewer``) before any of these
run; the rules that belong to the feed itself (authors edit their own, leaders moderate) live here. The
names below are the ones callers import from ``feed.services``; a test that patches one patches it in the
module that calls it (``feed.services.<module>.<name>``).
"""

from feed.services.achievements import (
    achievement_create,
    achievement_delete,
    achievement_may_delete,
    achievement_update,
    cheer_set,
)
from feed.services.announcement_emails import (
    announcement_audience_ids,
    announcement_emails_send,
    announcement_notify,
)
from feed.services.announcements import (
    ANNOUNCEMENT_EMAIL_WINDOW,
    announcement_create,
    announcement_delete,
    announcement_email,
    announcement_emails_left,
    announcement_set_pinned,
    announcement_update,
)
from feed.services.comments import (
    announcement_comment_create,
    announcement_comment_delete,
    announcement_comment_may_delete,
    comment_create,
    comment_delete,
    comment_may_delete,
    comment_update,
)
from feed.services.digest import DIGEST_LOOKBACK, DigestEntry, activity_digest_author_ids, activity_digest_send
from feed.services.highlights import club_week_start, highlight_choose
from feed.services.moderation import item_set_hidden, report_create
from feed.services.rules import item_club

__all__ = [
    "ANNOUNCEMENT_EMAIL_WINDOW",
    "DIGEST_LOOKBACK",
    "DigestEntry",
    "achievement_create",
    "achievement_delete",
    "achievement_may_delete",
    "achievement_update",
    "activity_digest_author_ids",
    "activity_digest_send",
    "announcement_audience_ids",
    "announcement_comment_create",
    "announcement_comment_delete",
    "announcement_comment_may_delete",
    "announcement_create",
    "announcement_delete",
    "announcement_email",
    "announcement_emails_left",
    "announcement_emails_send",
    "announcement_notify",
    "announcement_set_pinned",
    "announcement_update",
    "cheer_set",
    "club_week_start",
    "comment_create",
    "comment_delete",
    "comment_may_delete",
    "comment_update",
    "highlight_choose",
    "item_club",
    "item_set_hidden",
    "report_create",
]
