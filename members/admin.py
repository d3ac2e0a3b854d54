from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from members.models import EmailSuppression, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "avatar", "time_zone", "preferred_language", "birthday")},
        ),
        (_("Email preferences"), {"fields": ("email_event_reminders", "email_offers", "email_club_news")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(admin.ModelAdmin):
    """Addresses offers and automations skip; staff may add one by hand or delete one to send again."""

    list_display = ["email", "reason", "provider", "created_at", "updated_at"]
    list_filter = ["reason", "provider", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "event_id", "description"]
    readonly_fields = ["provider", "event_id", "description", "created_at", "updated_at"]
    date_hierarchy = "created_at"
