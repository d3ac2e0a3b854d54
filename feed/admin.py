from django.contrib import admin

from feed.models import (
    Achievement,
    Announcement,
    AnnouncementComment,
    AnnouncementDelivery,
    Cheer,
    Comment,
    Report,
    WeeklyHighlight,
)


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["author", "club", "tag", "created_at", "is_hidden"]
    list_filter = ["club", "tag", "is_hidden"]
    search_fields = ["text", "author__email", "author__display_name"]
    raw_id_fields = ["author", "hidden_by"]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author", "achievement", "created_at", "is_hidden"]
    list_filter = ["achievement__club", "is_hidden"]
    search_fields = ["text", "author__email", "author__display_name"]
    raw_id_fields = ["achievement", "author", "hidden_by"]


@admin.register(Cheer)
class CheerAdmin(admin.ModelAdmin):
    list_display = ["user", "achievement", "created_at", "digested_at"]
    list_filter = ["achievement__club"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["achievement", "user"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["reporter", "club", "created_at", "resolution", "resolved_at"]
    list_filter = ["club", "resolution"]
    search_fields = ["reason", "reporter__email"]
    raw_id_fields = ["reporter", "achievement", "comment", "announcement_comment", "resolved_by"]


@admin.register(WeeklyHighlight)
class WeeklyHighlightAdmin(admin.ModelAdmin):
    list_display = ["club", "week_start", "achievement", "chosen_by"]
    list_filter = ["club"]
    search_fields = ["achievement__text"]
    raw_id_fields = ["achievement", "chosen_by"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "club", "author", "created_at", "is_pinned", "comments_enabled"]
    list_filter = ["club", "is_pinned"]
    list_select_related = ["club", "author"]
    search_fields = ["title", "text"]
    raw_id_fields = ["author"]
    date_hierarchy = "created_at"


@admin.register(AnnouncementComment)
class AnnouncementCommentAdmin(admin.ModelAdmin):
    list_display = ["author", "announcement", "created_at", "is_hidden"]
    list_filter = ["announcement__club", "is_hidden"]
    list_select_related = ["author", "announcement__club"]
    search_fields = ["text", "author__email", "author__display_name"]
    raw_id_fields = ["announcement", "author", "hidden_by"]


@admin.register(AnnouncementDelivery)
class AnnouncementDeliveryAdmin(admin.ModelAdmin):
    """Read-only: who got which announcement email (written by the sending task only)."""

    list_display = ["announcement", "user", "status", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["announcement__club", "user"]
    search_fields = ["user__email"]
    raw_id_fields = ["announcement", "user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
