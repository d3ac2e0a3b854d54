from django.contrib import admin

from events.models import (
    Attendance,
    CalendarFeedToken,
    EventChange,
    EventOccurrence,
    EventReminder,
    EventSeries,
    Rsvp,
)


class OccurrenceInline(admin.TabularInline):
    model = EventOccurrence
    extra = 0
    fields = ["original_date", "starts_at", "ends_at", "title", "capacity", "is_edited", "cancelled_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "club", "frequency", "start_date", "start_time", "until", "count"]
    list_filter = ["club", "frequency"]
    search_fields = ["title", "club__name"]
    raw_id_fields = ["created_by"]
    # Leaders set the cover on the event form, through the image pipeline (members/images.py); an upload
    # here would skip its checks and re-encoding.
    readonly_fields = ["cover_image"]
    inlines = [OccurrenceInline]


@admin.register(EventOccurrence)
class EventOccurrenceAdmin(admin.ModelAdmin):
    list_display = ["title", "club", "starts_at", "capacity", "sequence", "is_edited", "cancelled_at"]
    list_filter = ["club", "is_edited", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "club__name", "place"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["series"]


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["user", "occurrence", "status", "guests", "responded_at", "waitlisted_at"]
    list_filter = ["status", "occurrence__club"]
    search_fields = ["user__email", "user__display_name", "occurrence__title"]
    raw_id_fields = ["user", "occurrence"]


@admin.register(EventChange)
class EventChangeAdmin(admin.ModelAdmin):
    """What members were told of, as it was told: read-only history."""

    list_display = ["occurrence", "sequence", "kind", "created_at", "notified_at"]
    list_filter = ["kind", "occurrence__club"]
    search_fields = ["occurrence__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["user", "occurrence", "checked_in_at", "checked_in_by"]
    list_filter = ["occurrence__club"]
    search_fields = ["user__email", "user__display_name", "occurrence__title"]
    raw_id_fields = ["user", "occurrence", "checked_in_by"]
    date_hierarchy = "checked_in_at"


@admin.register(EventReminder)
class EventReminderAdmin(admin.ModelAdmin):
    list_display = ["rsvp", "kind", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["rsvp__user__email", "rsvp__occurrence__title"]
    raw_id_fields = ["rsvp"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    # The secret stays out of the admin: staff revoke, members issue a new one.
    exclude = ["token"]
    readonly_fields = ["created_at", "last_used_at"]
