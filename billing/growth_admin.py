"""Admin for gift memberships (refund one nobody redeemed, with an audit row) and clubs' pause settings.

Imported by billing/admin.py, so the admin's autodiscovery registers these.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.growth_forms import GiftRefundForm
from billing.models import BillingSettings, Gift
from billing.services.gifts import gift_refund
from core.exceptions import DomainError
from core.money import format_money


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ("club", "pause_1_month", "pause_2_months", "pause_3_months", "paused_keep_access", "updated_at")
    list_select_related = ("club",)
    search_fields = ("club__name", "club__slug")
    autocomplete_fields = ("club",)


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "club",
        "months",
        "amount",
        "buyer_email",
        "recipient_email",
        "status",
        "paid_at",
        "redeemed_at",
    )
    list_filter = ("status", "months", "new_member")
    list_select_related = ("club",)
    search_fields = ("buyer_email", "recipient_email", "stripe_checkout_session_id", "stripe_payment_intent_id")
    date_hierarchy = "paid_at"
    actions = ["refund"]
    readonly_fields = [field.name for field in Gift._meta.fields]

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return format_money(obj.amount_minor, obj.currency)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Refund (only gifts not redeemed)"))
    def refund(self, request, queryset):
        """An intermediate page first: which gifts, and a note for the audit log."""
        form = GiftRefundForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Refund these gifts?"),
                "gifts": queryset.select_related("club"),
                "form": form,
                "action": "refund",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/billing/gift_refund_confirm.html", context)
        done = 0
        for gift in queryset:
            try:
                gift_refund(gift=gift, actor=request.user, note=form.cleaned_data["note"])
            except DomainError as error:
                self.message_user(request, f"{gift}: {error}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d gift refunded.", "%(count)d gifts refunded.", done) % {"count": done},
                messages.SUCCESS,
            )
        return None
