"""Feed pages, one module per concern. Thin: read with selectors, write with services, turn FeedError into messages.

- ``achievements``: the feed, members' pages, achievements (share, edit, delete, cheer, highlight, photos).
- ``comments``: comments under achievements and under announcements.
- ``moderation``: reports, the leaders' queue, hide and restore.
- ``announcements``: the announcements pages and the leaders' actions on them.
- ``common``: what the others share (entering the club, private images, deleting, posting a comment).

Everything is member-only: people without access to the club's member area get 404 (or, on the feed
page itself, the same invitation to join as club home), and another club's objects are 404. ``feed/urls.py``
names the views below; a test that patches a setting of a page patches it where it is read
(``feed.views.achievements.FEED_PAGE_SIZE``).
"""

from feed.views.achievements import (
    FEED_PAGE_SIZE,
    PHOTO_SIZES,
    achievement_cheer,
    achievement_create,
    achievement_delete,
    achievement_detail,
    achievement_edit,
    achievement_highlight,
    achievement_photo,
    feed,
    member_profile,
)
from feed.views.announcements import (
    ANNOUNCEMENT_IMAGE_SIZES,
    ANNOUNCEMENT_PAGE_SIZE,
    announcement_create,
    announcement_delete,
    announcement_detail,
    announcement_edit,
    announcement_email,
    announcement_image,
    announcement_list,
    announcement_pin,
)
from feed.views.comments import (
    announcement_comment_create,
    announcement_comment_delete,
    comment_create,
    comment_delete,
    comment_edit,
)
from feed.views.moderation import (
    achievement_moderate,
    achievement_report,
    announcement_comment_moderate,
    announcement_comment_report,
    comment_moderate,
    comment_report,
    report_list,
)

__all__ = [
    "ANNOUNCEMENT_IMAGE_SIZES",
    "ANNOUNCEMENT_PAGE_SIZE",
    "FEED_PAGE_SIZE",
    "PHOTO_SIZES",
    "achievement_cheer",
    "achievement_create",
    "achievement_delete",
    "achievement_detail",
    "achievement_edit",
    "achievement_highlight",
    "achievement_moderate",
    "achievement_photo",
    "achievement_report",
    "announcement_comment_create",
    "announcement_comment_delete",
    "announcement_comment_moderate",
    "announcement_comment_report",
    "announcement_create",
    "announcement_delete",
    "announcement_detail",
    "announcement_edit",
    "announcement_email",
    "announcement_image",
    "announcement_list",
    "announcement_pin",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_moderate",
    "comment_report",
    "feed",
    "member_profile",
    "report_list",
]
