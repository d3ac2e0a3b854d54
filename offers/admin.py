from django.contrib import admin

from core.admin import MoneyAdminMixin
from offers.models import DeliveryBatch, Offer, OfferDelivery, OfferSend, OfferUnsubscribe, Redemption


@admin.register(Offer)
class OfferAdmin(MoneyAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "club",
        "kind",
        "price_minor",
        "amount_off_minor",
        "quantity_limit",
        "publish_at",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["kind", "audience", "club"]
    search_fields = ["title", "body", "club__name", "promotion_code"]
    raw_id_fields = ["created_by"]
    date_hierarchy = "valid_from"


@admin.register(OfferSend)
class OfferSendAdmin(admin.ModelAdmin):
    list_display = [
        "offer",
        "status",
        "queued_count",
        "skipped_opted_out",
        "skipped_unsubscribed",
        "skipped_capped",
        "skipped_suppressed",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "offer__club"]
    search_fields = ["offer__title"]
    raw_id_fields = ["offer", "started_by"]


@admin.register(DeliveryBatch)
class DeliveryBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "send", "status", "attempts", "queued_at", "lease_until", "finished_at"]
    list_filter = ["status"]
    search_fields = ["send__offer__title", "last_error"]
    raw_id_fields = ["send"]


@admin.register(OfferDelivery)
class OfferDeliveryAdmin(admin.ModelAdmin):
    list_display = ["offer", "user", "status", "sent_at", "opened_at", "clicked_at"]
    list_filter = ["status", "club"]
    search_fields = ["user__email", "offer__title", "message_id"]
    raw_id_fields = ["offer", "club", "user", "batch"]


@admin.register(OfferUnsubscribe)
class OfferUnsubscribeAdmin(admin.ModelAdmin):
    list_display = ["user", "club", "created_at"]
    list_filter = ["club"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(Redemption)
class RedemptionAdmin(MoneyAdminMixin, admin.ModelAdmin):
    list_display = ["offer", "user", "status", "amount_minor", "paid_at", "reserved_until"]
    list_filter = ["status", "offer__club"]
    search_fields = ["user__email", "offer__title", "stripe_checkout_session_id", "stripe_payment_intent_id"]
    raw_id_fields = ["offer", "user", "membership"]
