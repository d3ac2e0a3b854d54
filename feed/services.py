"""Writes to the club feed. Views, tasks and the demo seeder call these; nothing else writes.

Who may enter the club is decided by the caller (``clubs.permissions.club_viewer``) before any of these
run; the rules that belong to the feed itself (authors edit their own, leaders moderate) live here.
"""

import uuid
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.emails import branding_for
from clubs.models import Club, Membership
from clubs.permissions import user_leads_club
from core import emails
from core.formatting import format_date, format_number
from core.text import single_line
from events.models import EventOccurrence
from feed.exceptions import FeedError
from feed.models import (
    ACHIEVEMENT_TEXT_MAX_LENGTH,
    ANNOUNCEMENT_TEXT_MAX_LENGTH,
    ANNOUNCEMENT_TITLE_MAX_LENGTH,
    COMMENT_TEXT_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    Achievement,
    AchievementTag,
    Announcement,
    AnnouncementComment,
    AnnouncementDelivery,
    AnnouncementDeliveryStatus,
    AnnouncementEmail,
    Cheer,
    Comment,
    Report,
    ReportResolution,
    WeeklyHighlight,
)
from members.emails import links_for, recipient_for
from members.images import PreparedImage, as_prepared
from members.models import User
from notifications.selectors import users_wanting_email_now
from notifications.services import notification_send


def club_week_start(*, club: Club, at: datetime) -> date:
    """The Monday of the ISO week ``at`` falls in, in the club's time zone (weeks end at the club's midnight)."""
    local_day = timezone.localtime(at, timezone=zoneinfo.ZoneInfo(club.time_zone)).date()
    return local_day - timedelta(days=local_day.weekday())


def _clean_text(text: str, *, max_length: int, empty_message: str) -> str:
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


def _attach_photo(achievement: Achievement, photo: UploadedFile | PreparedImage) -> None:
    """Store two re-encoded copies (EXIF gone, upright) of one decode: a large one and a smaller one for lists.

    The stored names are random: the member's file name is never kept, so it can never be rendered.
    """
    stem = uuid.uuid4().hex
    sides = [settings.FEED_PHOTO_MAX_SIDE, settings.FEED_PHOTO_FEED_SIDE]
    prepared = as_prepared(photo, sides=sides)
    full, feed = prepared.files[sides[0]], prepared.files[sides[1]]
    extension = prepared.extension
    achievement.photo.save(f"{stem}.{extension}", full, save=False)
    achievement.photo_feed.save(f"{stem}-feed.{extension}", feed, save=False)


def _delete_files_on_commit(*files) -> None:
    """Remove stored photos only once the row is really gone (a rollback must not lose them)."""
    stored = [(file.storage, file.name) for file in files if file]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])


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
        text=_clean_text(
            text, max_length=ACHIEVEMENT_TEXT_MAX_LENGTH, empty_message=_("Tell the club what you achieved.")
        ),
        tag=_clean_tag(tag),
        created_at=now or timezone.now(),
    )
    achievement.event = _clean_event(club=club, author=author, event=event)
    if photo:
        _attach_photo(achievement, photo)
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
    achievement.text = _clean_text(
        text, max_length=ACHIEVEMENT_TEXT_MAX_LENGTH, empty_message=_("Tell the club what you achieved.")
    )
    achievement.tag = _clean_tag(tag)
    achievement.event = _clean_event(club=achievement.club, author=editor, event=event)
    achievement.edited_at = now or timezone.now()
    achievement.save(update_fields=["text", "tag", "event", "edited_at"])
    return achievement


@transaction.atomic
def achievement_may_delete(*, achievement: Achievement, actor: User) -> bool:
    """The author or a leader of the club (asked before the confirm page, so others never see one)."""
    return achievement.author_id == actor.pk or user_leads_club(user=actor, club=achievement.club)


def comment_may_delete(*, comment: Comment, actor: User) -> bool:
    return comment.author_id == actor.pk or user_leads_club(user=actor, club=comment.achievement.club)


def achievement_delete(*, achievement: Achievement, actor: User) -> None:
    """The author or a leader removes a post for good, with its photos, cheers, comments and reports."""
    if not achievement_may_delete(achievement=achievement, actor=actor):
        raise FeedError(_("Only the author or a leader can delete this post."))
    _delete_files_on_commit(achievement.photo, achievement.photo_feed)
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


@transaction.atomic
def comment_create(*, achievement: Achievement, author: User, text: str) -> Comment:
    comment = Comment.objects.create(
        achievement=achievement,
        author=author,
        text=_clean_text(text, max_length=COMMENT_TEXT_MAX_LENGTH, empty_message=_("Write a comment first.")),
    )
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
    comment.text = _clean_text(text, max_length=COMMENT_TEXT_MAX_LENGTH, empty_message=_("Write a comment first."))
    comment.edited_at = now or timezone.now()
    comment.save(update_fields=["text", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    if not comment_may_delete(comment=comment, actor=actor):
        raise FeedError(_("Only the author or a leader can delete this comment."))
    comment.delete()


# --- Moderation -----------------------------------------------------------------------------


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


def item_club(item: Achievement | Comment | AnnouncementComment) -> Club:
    """The club a post or a comment belongs to."""
    if isinstance(item, Achievement):
        return item.club
    if isinstance(item, AnnouncementComment):
        return item.announcement.club
    return item.achievement.club


def _require_leader(*, user: User, club: Club) -> None:
    if not user_leads_club(user=user, club=club):
        raise FeedError(_("Only the club's leaders can do this."))


def _resolve_reports(*, reports, moderator: User, resolution: str, now: datetime) -> None:
    reports.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=moderator, resolution=resolution)


@transaction.atomic
def item_set_hidden(
    *, item: Achievement | Comment | AnnouncementComment, moderator: User, hidden: bool, now: datetime | None = None
) -> Achievement | Comment | AnnouncementComment:
    """Leaders hide (members stop seeing it) or restore an item; either way its open reports are answered."""
    club = item_club(item)
    _require_leader(user=moderator, club=club)
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


# --- Recognition ----------------------------------------------------------------------------


@transaction.atomic
def highlight_choose(*, achievement: Achievement, leader: User, now: datetime | None = None) -> WeeklyHighlight:
    """A leader picks this week's highlight; picking again the same week replaces the choice."""
    _require_leader(user=leader, club=achievement.club)
    if achievement.is_hidden:
        raise FeedError(_("A hidden post cannot be the highlight of the week."))
    week_start = club_week_start(club=achievement.club, at=now or timezone.now())
    highlight, _created = WeeklyHighlight.objects.update_or_create(
        club=achievement.club, week_start=week_start, defaults={"achievement": achievement, "chosen_by": leader}
    )
    return highlight


# --- Digest ---------------------------------------------------------------------------------

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


# --- Announcements --------------------------------------------------------------------------
# Leaders speak to the whole club. Only the club's leaders (and staff) write them; members read and, where the
# leader allows it, comment. An announcement is emailed at most once, to members who want club news, by a task
# sent after the commit; the club's weekly limit is checked under a lock on the club row.

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


def _attach_announcement_image(announcement: Announcement, image: UploadedFile | PreparedImage) -> None:
    """The feed's photo pipeline: one decode, EXIF gone, two re-encoded sizes under random private names."""
    stem = uuid.uuid4().hex
    sides = [settings.FEED_PHOTO_MAX_SIDE, settings.FEED_PHOTO_FEED_SIDE]
    prepared = as_prepared(image, sides=sides)
    announcement.image.save(f"{stem}.{prepared.extension}", prepared.files[sides[0]], save=False)
    announcement.image_small.save(f"{stem}-small.{prepared.extension}", prepared.files[sides[1]], save=False)


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
    _require_leader(user=author, club=club)
    now = now or timezone.now()
    announcement = Announcement(
        club=club,
        author=author,
        title=_clean_title(title),
        text=_clean_text(text, max_length=ANNOUNCEMENT_TEXT_MAX_LENGTH, empty_message=_("Write the announcement.")),
        is_pinned=pinned,
        comments_enabled=comments_enabled,
        created_at=now,
    )
    if send_email:  # before the image is stored: a refusal leaves no file behind
        _announcement_email_place_take(club=club, now=now)
    if image:
        _attach_announcement_image(announcement, image)
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
    _require_leader(user=editor, club=announcement.club)
    announcement.title = _clean_title(title)
    announcement.text = _clean_text(
        text, max_length=ANNOUNCEMENT_TEXT_MAX_LENGTH, empty_message=_("Write the announcement.")
    )
    announcement.comments_enabled = comments_enabled
    fields = ["title", "text", "comments_enabled", "edited_at"]
    if image or remove_image:
        _delete_files_on_commit(announcement.image, announcement.image_small)
        announcement.image, announcement.image_small = "", ""
        if image:
            _attach_announcement_image(announcement, image)
        fields += ["image", "image_small"]
    announcement.edited_at = now or timezone.now()
    announcement.save(update_fields=fields)
    return announcement


@transaction.atomic
def announcement_set_pinned(*, announcement: Announcement, leader: User, pinned: bool) -> Announcement:
    """Set (not flip) whether it stays on club home, so a repeated request lands in the same state."""
    _require_leader(user=leader, club=announcement.club)
    if announcement.is_pinned != pinned:
        announcement.is_pinned = pinned
        announcement.save(update_fields=["is_pinned"])
    return announcement


@transaction.atomic
def announcement_delete(*, announcement: Announcement, actor: User) -> None:
    """A leader removes an announcement with its image and comments; its email request still counts."""
    _require_leader(user=actor, club=announcement.club)
    _delete_files_on_commit(announcement.image, announcement.image_small)
    announcement.delete()


@transaction.atomic
def announcement_email(*, announcement: Announcement, actor: User, now: datetime | None = None) -> AnnouncementEmail:
    """Email an announcement posted without email (once; within the club's weekly limit)."""
    _require_leader(user=actor, club=announcement.club)
    now = now or timezone.now()
    _announcement_email_place_take(club=announcement.club, now=now)  # the lock also serialises a double click
    if AnnouncementEmail.objects.filter(announcement=announcement).exists():
        raise FeedError(_("This announcement was already emailed to the members."))
    request = AnnouncementEmail.objects.create(
        club_id=announcement.club_id, announcement=announcement, requested_by=actor, requested_at=now
    )
    _enqueue_announcement_published(announcement.pk, email=True)
    return request


def announcement_audience_ids(*, announcement: Announcement) -> list[int]:
    """Members who may enter the club, except the author: they hear about it in the site (1 query)."""
    members = Membership.objects.with_access().filter(club_id=announcement.club_id)
    if announcement.author_id:
        members = members.exclude(user_id=announcement.author_id)
    return list(members.order_by("user_id").values_list("user_id", flat=True).distinct())


def announcement_notify(*, announcement_id: int) -> int:
    """Tell the club in the site (notifications deduplicate per announcement, so a retry stores nothing twice)."""
    announcement = Announcement.objects.select_related("club").filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    return notification_send(
        kind="announcement_new",
        user_ids=announcement_audience_ids(announcement=announcement),
        club=announcement.club,
        params={"announcement_id": announcement.pk, "club_name": announcement.club.name, "title": announcement.title},
        url=announcement.get_absolute_url(),
        actor_id=announcement.author_id,
    )


def _email_recipient_ids(*, announcement: Announcement) -> list[int]:
    """Members who want club news by email and, for this kind, an email now (their notification setting)."""
    members = Membership.objects.with_access().filter(club_id=announcement.club_id, user__email_club_news=True)
    if announcement.author_id:
        members = members.exclude(user_id=announcement.author_id)
    ids = list(members.order_by("user_id").values_list("user_id", flat=True).distinct())
    return sorted(users_wanting_email_now(user_ids=ids, kind="announcement_new"))


def announcement_emails_send(*, announcement_id: int, now: datetime | None = None) -> int:
    """Email an announcement to its recipients; returns how many were sent by this run.

    A member never gets it twice: each has one delivery row (unique per announcement and member), and a
    row is sent while it is locked and marked sent in the same transaction, so a retried, duplicated or
    parallel task skips what another sent. A failure rolls back that member's row only; the next run
    sends it. Without an email request (or once the announcement is deleted) nothing goes out.
    """
    announcement = Announcement.objects.select_related("club").filter(pk=announcement_id).first()
    if announcement is None or not AnnouncementEmail.objects.filter(announcement=announcement).exists():
        return 0
    AnnouncementDelivery.objects.bulk_create(
        [
            AnnouncementDelivery(announcement=announcement, user_id=user_id)
            for user_id in _email_recipient_ids(announcement=announcement)
        ],
        ignore_conflicts=True,
    )
    pending = list(
        announcement.deliveries.filter(status=AnnouncementDeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        return 0
    branding = branding_for(announcement.club)
    sent = 0
    with get_connection() as connection:  # one SMTP connection for the whole run
        for delivery_id in pending:
            sent += _announcement_delivery_send(
                delivery_id=delivery_id,
                announcement=announcement,
                branding=branding,
                connection=connection,
                now=now or timezone.now(),
            )
    return sent


@transaction.atomic
def _announcement_delivery_send(
    *, delivery_id: int, announcement: Announcement, branding: emails.Branding, connection, now: datetime
) -> int:
    delivery = (
        AnnouncementDelivery.objects.select_for_update(skip_locked=True)
        .select_related("user")
        .filter(pk=delivery_id, status=AnnouncementDeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:  # sent (or being sent) by another run
        return 0
    user = delivery.user
    status = AnnouncementDeliveryStatus.SKIPPED
    if user.email_club_news:  # the member may have unsubscribed since the audience was read
        url = settings.SITE_URL + announcement.get_absolute_url()
        try:
            message = emails.email_build(
                recipient=recipient_for(user),
                branding=branding,
                category=emails.ANNOUNCEMENTS,
                subject_template="feed/email/announcement_subject.txt",
                text_template="feed/email/announcement.txt",
                html_template="feed/email/announcement.html",
                context={"user": user, "announcement": announcement, "club": announcement.club, "url": url},
                # The same Message-ID for the same member and announcement: a copy resent after a crash folds into one.
                links=links_for(
                    user=user,
                    category=emails.ANNOUNCEMENTS,
                    extra_headers={"Message-ID": emails.message_id(stable=f"announcement-{announcement.pk}-{user.pk}")},
                ),
            )
        except emails.EmailSuppressed:
            pass
        else:
            message.connection = connection
            message.send()
            status = AnnouncementDeliveryStatus.SENT
    delivery.status = status
    delivery.sent_at = now
    delivery.save(update_fields=["status", "sent_at"])
    return 1 if status == AnnouncementDeliveryStatus.SENT else 0


@transaction.atomic
def announcement_comment_create(*, announcement: Announcement, author: User, text: str) -> AnnouncementComment:
    """Members comment only where the leader allows it (checked here too: a form posted after closing)."""
    if not announcement.comments_enabled:
        raise FeedError(_("Comments are closed on this announcement."))
    return AnnouncementComment.objects.create(
        announcement=announcement,
        author=author,
        text=_clean_text(text, max_length=COMMENT_TEXT_MAX_LENGTH, empty_message=_("Write a comment first.")),
    )


def announcement_comment_may_delete(*, comment: AnnouncementComment, actor: User) -> bool:
    return comment.author_id == actor.pk or user_leads_club(user=actor, club=comment.announcement.club)


@transaction.atomic
def announcement_comment_delete(*, comment: AnnouncementComment, actor: User) -> None:
    if not announcement_comment_may_delete(comment=comment, actor=actor):
        raise FeedError(_("Only the author or a leader can delete this comment."))
    comment.delete()
