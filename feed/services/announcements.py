"""Announcements: leaders speak to the whole club.

Only the club's leaders (and staff) write them; members read and, where the leader allows it, comment
(``feed.services.comments``). An announcement is emailed at most once, to members who want club news, by a
task sent after the commit (``feed.services.announcement_emails``); the club's weekly limit is checked under
a lock on the club row.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.models import Club
from core.formatting import format_date, format_number
from core.text import single_line
from feed.exceptions import FeedError
from feed.models import (
    ANNOUNCEMENT_TEXT_MAX_LENGTH,
    ANNOUNCEMENT_TITLE_MAX_LENGTH,
    Announcement,
    AnnouncementEmail,
)
from feed.services.photos import files_delete_on_commit, photo_store
from feed.services.rules import clean_text, require_leader
from members.images import PreparedImage
from members.models import User

ANNOUNCEMENT_EMAIL_WINDOW = timedelta(days=7)


def _clean_title(title: str) -> str:
    """One line (it becomes an email's Subject), not empty, within the column."""
    title = single_line(title)
    if not title:
        raise FeedError(_("Give the announcement a title."))
    if len(title) > ANNOUNCEMENT_TITLE_MAX_LENGTH:
        raise FeedError(
            ngettext(
                "Please keep the title under %(limit)d character.",
                "Please keep the title under %(limit)d characters.",
                ANNOUNCEMENT_TITLE_MAX_LENGTH,
            )
            % {"limit": ANNOUNCEMENT_TITLE_MAX_LENGTH}
        )
    return title


def _clean_announcement_text(text: str) -> str:
    return clean_text(text, max_length=ANNOUNCEMENT_TEXT_MAX_LENGTH, empty_message=_("Write the announcement."))


def announcement_emails_left(*, club: Club, now: datetime | None = None) -> tuple[int, datetime | None]:
    """How many more announcements the club may email now, and when the next place frees up (None if one is free).

    Deleted announcements still count: their request rows stay, so deleting and posting again frees nothing.
    """
    now = now or timezone.now()
    limit = settings.ANNOUNCEMENT_EMAILS_PER_WEEK
    recent = list(
        AnnouncementEmail.objects.filter(club=club, requested_at__gt=now - ANNOUNCEMENT_EMAIL_WINDOW)
        .order_by("-requested_at")
        .values_list("requested_at", flat=True)[: max(limit, 1)]
    )
    left = max(limit - len(recent), 0)
    if left or not recent:
        return left, None
    return 0, recent[-1] + ANNOUNCEMENT_EMAIL_WINDOW


def _announcement_email_place_take(*, club: Club, now: datetime) -> None:
    """Refuse when the club emailed its most announcements in the last 7 days.

    Read under a lock on the club row, so two leaders posting at once cannot both take the last place; the
    caller creates the request row in the same transaction, and a refusal there changes nothing.
    """
    Club.objects.select_for_update().filter(pk=club.pk).first()
    left, frees_at = announcement_emails_left(club=club, now=now)
    if left:
        return
    limit = settings.ANNOUNCEMENT_EMAILS_PER_WEEK
    if frees_at is None:
        raise FeedError(_("This club may not email announcements."))
    raise FeedError(
        ngettext(
            "This club already emailed %(limit)s announcement in the last 7 days, the most it may. "
            "Post it without email, or email it from its page after %(when)s.",
            "This club already emailed %(limit)s announcements in the last 7 days, the most it may. "
            "Post it without email, or email it from its page after %(when)s.",
            limit,
        )
        % {"limit": format_number(limit), "when": format_date(frees_at, "DATETIME_FORMAT")}
    )


def _enqueue_announcement_published(announcement_id: int, *, email: bool) -> None:
    from feed.tasks import announcement_published

    transaction.on_commit(lambda: announcement_published.delay(announcement_id, email))


def _image_store(announcement: Announcement, image: UploadedFile | PreparedImage) -> None:
    """The feed's photo pipeline, the same as achievement photos: ``image`` full size, ``image_small`` for lists."""
    photo_store(image, full=announcement.image, small=announcement.image_small)


@transaction.atomic
def announcement_create(
    *,
    club: Club,
    author: User,
    title: str,
    text: str,
    image: UploadedFile | PreparedImage | None = None,
    pinned: bool = True,
    comments_enabled: bool = False,
    send_email: bool = False,
    now: datetime | None = None,
) -> Announcement:
    """A leader posts to the club: members are notified in the site and, with ``send_email``, by email.

    Over the club's weekly email limit the whole post is refused, so the leader decides whether to post
    it without email; the image is stored only after that check, so a refusal leaves no file behind.
    """
    require_leader(user=author, club=club)
    now = now or timezone.now()
    announcement = Announcement(
        club=club,
        author=author,
        title=_clean_title(title),
        text=_clean_announcement_text(text),
        is_pinned=pinned,
        comments_enabled=comments_enabled,
        created_at=now,
    )
    if send_email:  # before the image is stored: a refusal leaves no file behind
        _announcement_email_place_take(club=club, now=now)
    if image:
        _image_store(announcement, image)
    announcement.save()
    if send_email:
        AnnouncementEmail.objects.create(club=club, announcement=announcement, requested_by=author, requested_at=now)
    _enqueue_announcement_published(announcement.pk, email=send_email)
    return announcement


@transaction.atomic
def announcement_update(
    *,
    announcement: Announcement,
    editor: User,
    title: str,
    text: str,
    comments_enabled: bool,
    image: UploadedFile | PreparedImage | None = None,
    remove_image: bool = False,
    now: datetime | None = None,
) -> Announcement:
    """Leaders correct an announcement; an email already sent is not sent again (members saw the first one).

    ``comments_enabled`` has no default: an edit that left it out would silently close or open the comments.
    """
    require_leader(user=editor, club=announcement.club)
    announcement.title = _clean_title(title)
    announcement.text = _clean_announcement_text(text)
    announcement.comments_enabled = comments_enabled
    fields = ["title", "text", "comments_enabled", "edited_at"]
    if image or remove_image:
        files_delete_on_commit(announcement.image, announcement.image_small)
        announcement.image, announcement.image_small = "", ""
        if image:
            _image_store(announcement, image)
        fields += ["image", "image_small"]
    announcement.edited_at = now or timezone.now()
    announcement.save(update_fields=fields)
    return announcement


@transaction.atomic
def announcement_set_pinned(*, announcement: Announcement, leader: User, pinned: bool) -> Announcement:
    """Set (not flip) whether it stays on club home, so a repeated request lands in the same state."""
    require_leader(user=leader, club=announcement.club)
    if announcement.is_pinned != pinned:
        announcement.is_pinned = pinned
        announcement.save(update_fields=["is_pinned"])
    return announcement


@transaction.atomic
def announcement_delete(*, announcement: Announcement, actor: User) -> None:
    """A leader removes an announcement with its image and comments; its email request still counts."""
    require_leader(user=actor, club=announcement.club)
    files_delete_on_commit(announcement.image, announcement.image_small)
    announcement.delete()


@transaction.atomic
def announcement_email(*, announcement: Announcement, actor: User, now: datetime | None = None) -> AnnouncementEmail:
    """Email an announcement posted without email (once; within the club's weekly limit)."""
    require_leader(user=actor, club=announcement.club)
    now = now or timezone.now()
    _announcement_email_place_take(club=announcement.club, now=now)  # the lock also serialises a double click
    if AnnouncementEmail.objects.filter(announcement=announcement).exists():
        raise FeedError(_("This announcement was already emailed to the members."))
    request = AnnouncementEmail.objects.create(
        club_id=announcement.club_id, announcement=announcement, requested_by=actor, requested_at=now
    )
    _enqueue_announcement_published(announcement.pk, email=True)
    return request
