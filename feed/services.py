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
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clubs.models import Club, Membership
from clubs.permissions import user_leads_club
from core import emails
from events.models import EventOccurrence
from feed.exceptions import FeedError
from feed.models import (
    ACHIEVEMENT_TEXT_MAX_LENGTH,
    COMMENT_TEXT_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    Achievement,
    AchievementTag,
    Cheer,
    Comment,
    Report,
    ReportResolution,
    WeeklyHighlight,
)
from members.emails import links_for, recipient_for
from members.images import PreparedImage, as_prepared
from members.models import User


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
    return True


@transaction.atomic
def comment_create(*, achievement: Achievement, author: User, text: str) -> Comment:
    return Comment.objects.create(
        achievement=achievement,
        author=author,
        text=_clean_text(text, max_length=COMMENT_TEXT_MAX_LENGTH, empty_message=_("Write a comment first.")),
    )


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
    *, reporter: User, achievement: Achievement | None = None, comment: Comment | None = None, reason: str = ""
) -> Report:
    """Flag a post or a comment for the leaders; each member once per item, and never their own."""
    item = achievement or comment
    if item is None or (achievement is not None and comment is not None):
        raise FeedError(_("Report a post or a comment."))
    if item.author_id == reporter.pk:
        raise FeedError(_("You cannot report your own post or comment; edit or delete it instead."))
    club = achievement.club if achievement is not None else comment.achievement.club
    target = {"achievement": achievement} if achievement is not None else {"comment": comment}
    if Report.objects.filter(reporter=reporter, **target).exists():
        raise FeedError(_("You already reported this. The leaders will look at it."))
    try:
        with transaction.atomic():
            return Report.objects.create(
                club=club, reporter=reporter, reason=(reason or "").strip()[:REPORT_REASON_MAX_LENGTH], **target
            )
    except IntegrityError as exc:
        raise FeedError(_("You already reported this. The leaders will look at it.")) from exc


def _require_leader(*, user: User, club: Club) -> None:
    if not user_leads_club(user=user, club=club):
        raise FeedError(_("Only the club's leaders can do this."))


def _resolve_reports(*, reports, moderator: User, resolution: str, now: datetime) -> None:
    reports.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=moderator, resolution=resolution)


@transaction.atomic
def item_set_hidden(
    *, item: Achievement | Comment, moderator: User, hidden: bool, now: datetime | None = None
) -> Achievement | Comment:
    """Leaders hide (members stop seeing it) or restore an item; either way its open reports are answered."""
    club = item.club if isinstance(item, Achievement) else item.achievement.club
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
