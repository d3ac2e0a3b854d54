from django.contrib import admin

from feed.models import Achievement, Cheer, Comment, Report, WeeklyHighlight


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
    raw_id_fields = ["reporter", "achievement", "comment", "resolved_by"]


@admin.register(WeeklyHighlight)
class WeeklyHighlightAdmin(admin.ModelAdmin):
    list_display = ["club", "week_start", "achievement", "chosen_by"]
    list_filter = ["club"]
    search_fields = ["achievement__text"]
    raw_id_fields = ["achievement", "chosen_by"]
