from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from imports.models import ImportJob, ImportRow


class ImportRowInline(admin.TabularInline):
    model = ImportRow
    fields = ["line", "email", "name", "plan", "stripe_subscription_id", "complimentary_until", "outcome", "message",
              "applied_at", "invited_at"]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: staff import from the club's own import page (the same one leaders use)."""

    list_display = ["created_at", "club", "filename", "source_format", "status", "created_by", "confirmed_at"]
    list_filter = ["status", "source_format", "club"]
    list_select_related = ["club", "created_by"]
    search_fields = ["filename", "club__name", "rows__email"]
    exclude = ["text"]
    readonly_fields = ["club_pages", "club", "created_by", "filename", "encoding", "headers", "source_format",
                       "mapping", "complimentary_until", "default_plan", "send_invitations", "status",
                       "confirmed_at", "confirmed_by"]  # fmt: skip
    inlines = [ImportRowInline]

    @admin.display(description=_("Club pages"))
    def club_pages(self, obj):
        """Staff import and export on the club's own pages, the same ones its leaders use."""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("imports:import-start", args=[obj.club.slug]),
            _("Import members"),
            reverse("imports:member-export", args=[obj.club.slug]),
            _("Export members (CSV)"),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
