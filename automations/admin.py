from django.contrib import admin

from automations.models import (
    AutomationSend,
    CancellationFeedback,
    ClubAutomationSettings,
    Referral,
    ReferralCode,
    SaveOffer,
)
from core.admin import CsvExportMixin, MoneyAdminMixin


@admin.register(ClubAutomationSettings)
class ClubAutomationSettingsAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_currency_field = "club__currency"
    list_display = ["club", "welcome_enabled", "renewal_reminder_enabled", "win_back_enabled", "referrals_enabled"]
    list_filter = ["win_back_enabled", "referrals_enabled", "save_offer_enabled"]
    search_fields = ["club__name", "club__slug"]
    raw_id_fields = ["club", "birthday_gift_offer"]


@admin.register(AutomationSend)
class AutomationSendAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "club",
        "user",
        "trigger_key",
        "status",
        "created_at",
        "sent_at",
        "clicked_at",
        "converted_at",
    ]
    list_filter = ["kind", "status", "is_offer", "club"]
    search_fields = ["user__email", "club__name", "trigger_key"]
    raw_id_fields = ["club", "user", "membership"]
    date_hierarchy = "created_at"


@admin.register(ReferralCode)
class ReferralCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "club", "user", "created_at"]
    list_filter = ["club"]
    search_fields = ["code", "user__email"]
    raw_id_fields = ["club", "user"]


@admin.register(Referral)
class ReferralAdmin(MoneyAdminMixin, admin.ModelAdmin):
    list_display = ["club", "referrer", "referred", "status", "credit_minor", "created_at", "rewarded_at"]
    list_filter = ["status", "club"]
    search_fields = ["referrer__email", "referred__email", "stripe_balance_transaction_id"]
    raw_id_fields = ["club", "code", "referrer", "referred", "membership"]


@admin.register(CancellationFeedback)
class CancellationFeedbackAdmin(CsvExportMixin, admin.ModelAdmin):
    list_display = ["club", "user", "reasons", "created_at"]
    list_filter = ["club", "created_at"]
    search_fields = ["user__email", "comment"]
    raw_id_fields = ["club", "membership", "user", "plan"]
    actions = ["export_csv"]
    # The member's own words leave in this export: the exporter keeps them from running as formulas.
    csv_fields = ("created_at", "club__name", "user__email", "user__display_name", "reasons", "comment")


@admin.register(SaveOffer)
class SaveOfferAdmin(admin.ModelAdmin):
    list_display = ["club", "membership", "period_end", "percent_off", "status", "shown_at", "decided_at"]
    list_filter = ["status", "club"]
    search_fields = ["membership__user__email"]
    raw_id_fields = ["club", "membership"]
