"""Staff's side of privacy: consents (read-only evidence), data exports, retained invoices, and erasing accounts.

The erase action is added to the User admin that members registers (``admin.site.get_model_admin``), so staff
find it where they manage people; each erasure leaves a StaffAction (core/audit.py) through the service.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clubs.models import Consent, ConsentChange
from members.models import User
from privacy.exceptions import PrivacyError
from privacy.models import DataExport, RetainedInvoice
from privacy.services.erasure import account_erase, kept_explanations


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records, not settings: staff read them, the services write them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConsentChangeInline(admin.TabularInline):
    model = ConsentChange
    fields = ["changed_at", "status", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["user", "club", "purpose", "status", "source", "given_at", "confirmed_at", "withdrawn_at"]
    list_filter = ["purpose", "status", "source", "club"]
    search_fields = ["user__email", "club__name"]
    list_select_related = ["user", "club"]
    inlines = [ConsentChangeInline]


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "status", "size", "requested_at", "ready_at", "expires_at", "downloaded_at"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    exclude = ["file"]  # staff never download a member's data here: only the member's own link opens it


@admin.register(RetainedInvoice)
class RetainedInvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "issued_at", "amount_minor", "currency", "country", "erased_at"]
    list_filter = ["currency", "country"]
    search_fields = ["number"]


POSTS_CHOICE = "posts"


@admin.action(description=_("Erase the selected accounts (asks first)"))
def erase_accounts(modeladmin, request, queryset):
    """An intermediate page says what erasure does and asks what becomes of the posts; the POST erases."""
    if request.POST.get("confirm") == "yes" and request.POST.get(POSTS_CHOICE) in ("keep", "delete"):
        keep_posts = request.POST[POSTS_CHOICE] == "keep"
        erased = 0
        for user in queryset:
            try:
                account_erase(user=user, actor=request.user, keep_posts=keep_posts, note="admin action")
            except PrivacyError as error:
                modeladmin.message_user(request, f"{user.pk}: {error}", messages.ERROR)
            else:
                erased += 1
        if erased:
            modeladmin.message_user(
                request,
                ngettext("%(count)d account erased.", "%(count)d accounts erased.", erased) % {"count": erased},
                messages.SUCCESS,
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Erase accounts"),
        "users": list(queryset),
        "kept": kept_explanations(),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/privacy/erase_accounts.html", context)


_user_admin = admin.site.get_model_admin(User)
_user_admin.actions = [*(_user_admin.actions or []), erase_accounts]
