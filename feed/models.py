"""The club feed: achievements members share, cheers, comments, reports and the highlight of the week.

Everything here is member-only content. Photos live under ``club-media/``, which no URL serves
directly: ``feed.views.achievement_photo`` checks access for every request.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clubs.models import Club
from core.storage import private_media_storage

ACHIEVEMENT_TEXT_MAX_LENGTH = 2000
COMMENT_TEXT_MAX_LENGTH = 1000
REPORT_REASON_MAX_LENGTH = 300


class AchievementTag(models.TextChoices):
    WORKOUT = "workout", _("Workout")
    NUTRITION = "nutrition", _("Nutrition")
    MINDFULNESS = "mindfulness", _("Mindfulness")
    SLEEP = "sleep", _("Sleep")
    MILESTONE = "milestone", _("Milestone")


def achievement_photo_upload_to(instance: "Achievement", filename: str) -> str:
    """A random name under a folder no URL serves publicly; the member's file name is never kept."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"club-media/{instance.club_id}/achievements/{uuid.uuid4().hex}.{extension}"


class Achievement(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="achievements", verbose_name=_("club"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements", verbose_name=_("author")
    )
    text = models.TextField(_("text"), max_length=ACHIEVEMENT_TEXT_MAX_LENGTH)
    tag = models.CharField(_("tag"), max_length=20, choices=AchievementTag.choices, blank=True)
    # Both are re-encoded copies without metadata: "photo" for the full view, "photo_feed" for lists.
    # Stored in the private root (core/storage.py): no URL serves them except the access-checked view.
    photo = models.FileField(
        _("photo"), upload_to=achievement_photo_upload_to, storage=private_media_storage, blank=True
    )
    photo_feed = models.FileField(
        _("photo for the feed"), upload_to=achievement_photo_upload_to, storage=private_media_storage, blank=True
    )
    # Optional: an event of this club the author attended (checked in); the post outlives the event.
    event = models.ForeignKey(
        "events.EventOccurrence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="achievements",
        verbose_name=_("event"),
    )
    is_hidden = models.BooleanField(_("hidden by a leader"), default=False)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["club", "-created_at"], name="feed_achievement_club_recent"),
            models.Index(fields=["club", "author", "-created_at"], name="feed_achievement_club_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author} @ {self.club}: {self.text[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("feed:achievement-detail", args=[self.club.slug, self.pk])


class Cheer(models.Model):
    """One per member per achievement; ``digested_at`` marks it as told to the author."""

    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="cheers", verbose_name=_("achievement")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_cheers", verbose_name=_("member")
    )
    created_at = models.DateTimeField(_("cheered"), auto_now_add=True)
    digested_at = models.DateTimeField(_("in a digest since"), null=True, blank=True)

    class Meta:
        verbose_name = _("cheer")
        verbose_name_plural = _("cheers")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["achievement", "user"], name="one_cheer_per_member")]
        indexes = [models.Index(fields=["digested_at"], name="feed_cheer_digested")]

    def __str__(self) -> str:
        return f"{self.user} → {self.achievement_id}"


class Comment(models.Model):
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="comments", verbose_name=_("achievement")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_comments", verbose_name=_("author")
    )
    text = models.TextField(_("comment"), max_length=COMMENT_TEXT_MAX_LENGTH)
    is_hidden = models.BooleanField(_("hidden by a leader"), default=False)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    digested_at = models.DateTimeField(_("in a digest since"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["digested_at"], name="feed_comment_digested")]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class ReportResolution(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    KEPT = "kept", _("Kept visible")
    DELETED = "deleted", _("Deleted")


class Report(models.Model):
    """A member flags a post or a comment for the leaders; each member once per item."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="feed_reports", verbose_name=_("club"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_reports", verbose_name=_("reported by")
    )
    achievement = models.ForeignKey(
        Achievement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("achievement"),
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports", verbose_name=_("comment")
    )
    announcement_comment = models.ForeignKey(
        "AnnouncementComment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("comment on an announcement"),
    )
    reason = models.CharField(_("reason"), max_length=REPORT_REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(_("resolution"), max_length=10, choices=ReportResolution.choices, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(achievement__isnull=False, comment__isnull=True, announcement_comment__isnull=True)
                | Q(achievement__isnull=True, comment__isnull=False, announcement_comment__isnull=True)
                | Q(achievement__isnull=True, comment__isnull=True, announcement_comment__isnull=False),
                name="report_targets_one_item",
            ),
            models.UniqueConstraint(
                fields=["reporter", "achievement"],
                condition=Q(achievement__isnull=False),
                name="one_report_per_member_and_achievement",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="one_report_per_member_and_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "announcement_comment"],
                condition=Q(announcement_comment__isnull=False),
                name="one_report_per_member_and_announcement_comment",
            ),
        ]
        indexes = [models.Index(fields=["club", "resolved_at"], name="feed_report_open")]

    def __str__(self) -> str:
        return f"{self.reporter} reported {'achievement' if self.achievement_id else 'comment'}"

    @property
    def item(self):
        """What was reported: the post, the feed comment or the comment under an announcement."""
        return self.achievement or self.comment or self.announcement_comment


class WeeklyHighlight(models.Model):
    """The achievement a leader picked for one week (its Monday, in the club's time zone)."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="feed_highlights", verbose_name=_("club"))
    week_start = models.DateField(_("week starting"))
    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="highlights", verbose_name=_("achievement")
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )
    chosen_at = models.DateTimeField(_("chosen"), auto_now=True)

    class Meta:
        verbose_name = _("highlight of the week")
        verbose_name_plural = _("highlights of the week")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["club", "week_start"], name="one_highlight_per_club_week")]

    def __str__(self) -> str:
        return f"{self.club} {self.week_start}"


# --- Announcements --------------------------------------------------------------------------

ANNOUNCEMENT_TITLE_MAX_LENGTH = 150
ANNOUNCEMENT_TEXT_MAX_LENGTH = 5000


def announcement_image_upload_to(instance: "Announcement", filename: str) -> str:
    """Like achievement photos: a random name under the club's private folder; the file name is never kept."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"club-media/{instance.club_id}/announcements/{uuid.uuid4().hex}.{extension}"


class Announcement(models.Model):
    """A leader's message to the whole club: pinned on club home until unpinned, optionally emailed once."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("club"))
    # The club's words outlive the leader's account: a leader who leaves does not take the announcement along.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=ANNOUNCEMENT_TITLE_MAX_LENGTH)
    text = models.TextField(_("text"), max_length=ANNOUNCEMENT_TEXT_MAX_LENGTH)
    # Re-encoded copies without metadata in the private root, served only by the access-checked view.
    image = models.FileField(
        _("image"), upload_to=announcement_image_upload_to, storage=private_media_storage, blank=True
    )
    image_small = models.FileField(
        _("image for lists"), upload_to=announcement_image_upload_to, storage=private_media_storage, blank=True
    )
    is_pinned = models.BooleanField(_("pinned on club home"), default=True)
    comments_enabled = models.BooleanField(_("members may comment"), default=False)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["club", "-created_at"], name="feed_announcement_club_recent"),
            models.Index(fields=["club", "is_pinned", "-created_at"], name="feed_announcement_pinned"),
        ]

    def __str__(self) -> str:
        return f"{self.club}: {self.title[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("feed:announcement-detail", args=[self.club.slug, self.pk])


class AnnouncementEmail(models.Model):
    """A leader asked to email an announcement: one per announcement, counted against the club's weekly limit.

    The row stays when its announcement is deleted (``announcement`` becomes NULL), so deleting and
    posting again never frees a place under the limit.
    """

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="announcement_emails", verbose_name=_("club"))
    announcement = models.OneToOneField(
        Announcement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email_request",
        verbose_name=_("announcement"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("announcement email")
        verbose_name_plural = _("announcement emails")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["club", "-requested_at"], name="feed_announcement_email_recent")]

    def __str__(self) -> str:
        return f"{self.club} {self.requested_at:%Y-%m-%d}"


class AnnouncementDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped (address suppressed)")


class AnnouncementDelivery(models.Model):
    """One member's copy of an announcement email: unique per announcement and member, so nobody gets two."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("announcement")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="announcement_deliveries",
        verbose_name=_("member"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AnnouncementDeliveryStatus.choices,
        default=AnnouncementDeliveryStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement delivery")
        verbose_name_plural = _("announcement deliveries")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="one_announcement_delivery_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.user_id} ({self.status})"


class AnnouncementComment(models.Model):
    """A member's comment under an announcement whose leader allows comments; reported and hidden like feed comments."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="comments", verbose_name=_("announcement")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="announcement_comments",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"), max_length=COMMENT_TEXT_MAX_LENGTH)
    is_hidden = models.BooleanField(_("hidden by a leader"), default=False)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("announcement comment")
        verbose_name_plural = _("announcement comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"
