from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from core.admin import StaffAuditMixin
from core.audit import REDACTED, staff_action_record
from members.images import delete_replaced_file_on_commit
from members.models import EmailSuppression, User


class UserAdminChangeForm(UserChangeForm):
    """An avatar uploaded by staff goes through the same image path as a member's own."""

    def clean_avatar(self):
        from django.conf import settings

        from members.images import prepare_image_for_form
        from members.services import AVATAR_MAX_SIDE

        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "content_type"):
            prepared = prepare_image_for_form(avatar, sides=[AVATAR_MAX_SIDE], max_bytes=settings.AVATAR_MAX_BYTES)
            return prepared.files[AVATAR_MAX_SIDE]
        return avatar


@admin.register(User)
class UserAdmin(StaffAuditMixin, DjangoUserAdmin):
    """Staff changes to people (staff rights, deactivation, email, password) are audited like billing's."""

    form = UserAdminChangeForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "display_name"]
    # Facts, not settings. Were they editable, every save would rewrite them to the second the form shows.
    readonly_fields = ["last_login", "date_joined"]
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

    def save_model(self, request, obj, form, change):
        delete_replaced_file_on_commit(obj, "avatar")  # a replaced or cleared avatar stops being public
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the form was valid and saved
            staff_action_record(
                actor=request.user,
                action="change password",
                target=self.get_object(request, unquote(id)),
                after={"password": REDACTED},
            )
        return response


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(StaffAuditMixin, admin.ModelAdmin):
    """Addresses offers and automations skip; staff may add one by hand or delete one to send again.

    Deleting one sends mail to an address that bounced or complained again, so it is audited.
    """

    list_display = ["email", "reason", "provider", "created_at", "updated_at"]
    list_filter = ["reason", "provider", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "event_id", "description"]
    readonly_fields = ["provider", "event_id", "description", "created_at", "updated_at"]
    date_hierarchy = "created_at"
