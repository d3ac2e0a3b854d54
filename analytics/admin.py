from django.contrib import admin

from analytics.models import ClubNpsSettings, MetricSnapshot, NpsResponse, NpsSurvey, SubscriptionPriceChange


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "day",
        "club",
        "members",
        "paying_members",
        "new_members",
        "churned_members",
        "mrr_minor",
        "currency",
        "nps",
    ]
    list_filter = ["club", "currency", "day"]
    search_fields = ["club__name"]
    date_hierarchy = "day"
    list_select_related = ["club"]


@admin.register(ClubNpsSettings)
class ClubNpsSettingsAdmin(admin.ModelAdmin):
    list_display = ["club", "is_enabled", "first_after_days", "repeat_every_days", "updated_at"]
    list_filter = ["is_enabled"]
    search_fields = ["club__name"]


@admin.register(NpsSurvey)
class NpsSurveyAdmin(admin.ModelAdmin):
    list_display = ["membership", "club", "round", "created_at", "emailed_at"]
    list_filter = ["club", "round"]
    search_fields = ["membership__user__email", "club__name"]
    raw_id_fields = ["membership"]
    list_select_related = ["club", "membership__user", "membership__club"]


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ["answered_at", "club", "score", "comment"]
    list_filter = ["club", "score"]
    search_fields = ["comment", "club__name"]
    raw_id_fields = ["survey", "respondent"]
    list_select_related = ["club"]


@admin.register(SubscriptionPriceChange)
class SubscriptionPriceChangeAdmin(admin.ModelAdmin):
    list_display = ["subscription", "effective_at", "amount_minor", "currency", "monthly_amount_minor"]
    list_filter = ["currency"]
    search_fields = ["subscription__stripe_subscription_id", "stripe_price_id"]
    raw_id_fields = ["subscription"]
    list_select_related = ["subscription"]
