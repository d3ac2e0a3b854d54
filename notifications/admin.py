"""Read-only lists: notifications are written by the apps where things happen, never by hand."""

from django.contrib import admin

from notifications.models import Notification, NotificationPreference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "club", "created_at", "read_at", "emailed_at", "digested_at")
    list_filter = ("kind", "created_at")
    list_select_related = ("user", "club")
    search_fields = ("user__email",)
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "email")
    list_filter = ("kind", "email")
    list_select_related = ("user",)
    search_fields = ("user__email",)
