"""Club events: a series (one-off or recurring) and its occurrences, RSVPs, attendance, reminders, calendar feeds.

Occurrences are stored as rows, generated from the series' rule in the club's time zone, so one of them can be
edited or cancelled on its own while the series keeps the rest in step. Times are stored in UTC.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from clubs.models import Club
from core.storage import private_media_storage

MAX_CAPACITY = 10_000
MAX_RSVP_HOURS_BEFORE = 24 * 14
MAX_GUESTS = 10


def event_cover_upload_to(instance: "EventSeries", filename: str) -> str:
    """A generated name under the club's folder: the leader's file name is never kept (members/images.py)."""
    from members.images import generated_name

    return generated_name(f"event-covers/{instance.club_id}", filename)


class Frequency(models.TextChoices):
    ONCE = "once", _("Does not repeat")
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every 2 weeks")
    MONTHLY = "monthly", _("Every month")
    MONTHLY_WEEKDAY = "monthly_wd", _("Every month on the same weekday (the first Tuesday, say)")
    MONTHLY_LAST_WEEKDAY = "monthly_last", _("Every month on the last such weekday (the last Friday, say)")


# The weekday's name fills the placeholder; each ordinal is its own sentence, so translations can inflect it.
MONTHLY_WEEKDAY_RULES = {
    1: _("Every month on the first %(weekday)s"),
    2: _("Every month on the second %(weekday)s"),
    3: _("Every month on the third %(weekday)s"),
    4: _("Every month on the fourth %(weekday)s"),
    -1: _("Every month on the last %(weekday)s"),
}


class EventDetails(models.Model):
    """What members see of an event; a series holds the defaults, each occurrence its own copy."""

    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=_("Empty: no limit."),
    )
    rsvp_hours_before = models.PositiveSmallIntegerField(
        _("RSVP closes (hours before the start)"),
        default=0,
        validators=[MaxValueValidator(MAX_RSVP_HOURS_BEFORE)],
    )
    guests_allowed = models.PositiveSmallIntegerField(
        _("guests per member"),
        default=0,
        validators=[MaxValueValidator(MAX_GUESTS)],
        help_text=_("How many guests a member may bring; each takes a seat."),
    )

    class Meta:
        abstract = True


class EventSeries(EventDetails):
    """The rule and the defaults of an event; a one-off event is a series of one occurrence."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="event_series", verbose_name=_("club"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, help_text=_("The club's time zone when the series was planned.")
    )
    start_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"), help_text=_("Local wall-clock time, kept across DST changes."))
    duration = models.DurationField(_("duration"))
    frequency = models.CharField(_("repeats"), max_length=16, choices=Frequency.choices, default=Frequency.ONCE)
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of occurrences"), null=True, blank=True)
    # Member content: stored in the private root (core/storage.py), served by events.views.event_cover.
    cover_image = models.ImageField(
        _("cover image"), upload_to=event_cover_upload_to, storage=private_media_storage, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        ordering = ["club", "start_date", "start_time"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_frequency_display()})"

    def rule_display(self) -> str:
        """How the series repeats, in words: "Every month on the first Tuesday" names the real weekday."""
        if self.frequency not in (Frequency.MONTHLY_WEEKDAY, Frequency.MONTHLY_LAST_WEEKDAY):
            return str(self.get_frequency_display())
        from events.recurrence import weekday_ordinal

        weekday = WEEKDAYS[self.start_date.weekday()]
        ordinal = -1 if self.frequency == Frequency.MONTHLY_LAST_WEEKDAY else weekday_ordinal(self.start_date)
        return str(MONTHLY_WEEKDAY_RULES.get(ordinal, MONTHLY_WEEKDAY_RULES[-1])) % {"weekday": weekday}


class EventOccurrence(EventDetails):
    """One meeting on one day: what RSVPs, attendance and reminders belong to."""

    series = models.ForeignKey(
        EventSeries, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("series")
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="event_occurrences", verbose_name=_("club"))
    original_date = models.DateField(
        _("date in the series"), help_text=_("The local date the series' rule gave this occurrence.")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    rsvp_deadline = models.DateTimeField(_("RSVP closes"))
    is_edited = models.BooleanField(
        _("edited on its own"), default=False, help_text=_("Edits of the whole series leave this occurrence alone.")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancellation_notified_at = models.DateTimeField(_("cancellation emailed"), null=True, blank=True)
    sequence = models.PositiveIntegerField(
        _("revision"),
        default=0,
        help_text=_("The calendar's SEQUENCE: raised on every change, so calendar apps take the newest version."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "original_date"], name="one_occurrence_per_series_date"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]
        indexes = [models.Index(fields=["club", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} — {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("events:event-detail", kwargs={"slug": self.club.slug, "pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def rsvp_is_open(self) -> bool:
        return not self.is_cancelled and timezone.now() < self.rsvp_deadline


class RsvpStatus(models.TextChoices):
    GOING = "going", _("Going")
    WAITLISTED = "waitlisted", _("On the waitlist")
    NOT_GOING = "not_going", _("Not going")


class Rsvp(models.Model):
    occurrence = models.ForeignKey(
        EventOccurrence, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps", verbose_name=_("member")
    )
    status = models.CharField(_("answer"), max_length=10, choices=RsvpStatus.choices)
    waitlisted_at = models.DateTimeField(_("joined the waitlist"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), help_text=_("When the current answer was given."))
    promoted_at = models.DateTimeField(_("promoted from the waitlist"), null=True, blank=True)
    promotion_emailed_at = models.DateTimeField(_("promotion emailed"), null=True, blank=True)
    guests = models.PositiveSmallIntegerField(
        _("guests"), default=0, validators=[MaxValueValidator(MAX_GUESTS)], help_text=_("Each guest takes a seat.")
    )
    moved_to_waitlist_at = models.DateTimeField(
        _("moved to the waitlist"), null=True, blank=True, help_text=_("When a leader lowered the capacity.")
    )
    move_emailed_at = models.DateTimeField(_("move emailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["occurrence", "status", "waitlisted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "user"], name="one_rsvp_per_member_and_event")]
        indexes = [models.Index(fields=["occurrence", "status"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.occurrence} ({self.get_status_display()})"

    @property
    def seats(self) -> int:
        """The member and their guests."""
        return 1 + self.guests


class Attendance(models.Model):
    """A member checked in at an event: the record of who came (offers count these)."""

    occurrence = models.ForeignKey(
        EventOccurrence, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_attendances", verbose_name=_("member")
    )
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["-checked_in_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "user"], name="one_attendance_per_member_event")]
        indexes = [models.Index(fields=["user", "checked_in_at"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.occurrence}"


class EventChangeKind(models.TextChoices):
    CHANGED = "changed", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")


class EventChange(models.Model):
    """A change members must hear about (date, time, place or cancellation), kept as it was when made.

    One row per occurrence and SEQUENCE: the notice task claims it (``notified_at``), so a retried or
    duplicated task emails nobody twice, and the email says old -> new even if the event changes again.
    """

    occurrence = models.ForeignKey(
        EventOccurrence, on_delete=models.CASCADE, related_name="changes", verbose_name=_("event")
    )
    sequence = models.PositiveIntegerField(_("revision"))
    kind = models.CharField(_("kind"), max_length=10, choices=EventChangeKind.choices)
    old_starts_at = models.DateTimeField(_("starts (before)"))
    old_ends_at = models.DateTimeField(_("ends (before)"))
    old_place = models.CharField(_("place (before)"), max_length=300, blank=True)
    old_online_url = models.URLField(_("online link (before)"), max_length=500, blank=True)
    new_starts_at = models.DateTimeField(_("starts (after)"))
    new_ends_at = models.DateTimeField(_("ends (after)"))
    new_place = models.CharField(_("place (after)"), max_length=300, blank=True)
    new_online_url = models.URLField(_("online link (after)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    notified_at = models.DateTimeField(_("members told"), null=True, blank=True)

    class Meta:
        verbose_name = _("event change")
        verbose_name_plural = _("event changes")
        ordering = ["occurrence", "sequence"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "sequence"], name="one_event_change_per_sequence")]

    def __str__(self) -> str:
        return f"{self.occurrence} #{self.sequence} ({self.get_kind_display()})"

    @property
    def time_changed(self) -> bool:
        return (self.old_starts_at, self.old_ends_at) != (self.new_starts_at, self.new_ends_at)

    @property
    def place_changed(self) -> bool:
        return self.old_place != self.new_place

    @property
    def online_url_changed(self) -> bool:
        return self.old_online_url != self.new_online_url


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "24h", _("24 hours before")
    HOUR_BEFORE = "1h", _("1 hour before")


class EventReminder(models.Model):
    """A reminder claimed for one RSVP: the unique row is what makes each reminder go out once."""

    rsvp = models.ForeignKey(Rsvp, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("RSVP"))
    kind = models.CharField(_("kind"), max_length=3, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["rsvp", "kind"], name="one_reminder_per_rsvp_and_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.rsvp}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedToken(models.Model):
    """The secret in a member's private calendar URL; revoking it makes the old URL answer 404."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed_tokens",
        verbose_name=_("member"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_calendar_token_per_member"
            )
        ]

    def __str__(self) -> str:
        state = _("revoked") if self.revoked_at else _("active")
        return f"{self.user} ({state})"
