from django.urls import path

from billing import growth_views, views, webhooks

app_name = "billing"

urlpatterns = [
    path("billing/webhooks/stripe/", webhooks.stripe_webhook, name="stripe-webhook"),
    path("clubs/<slug:slug>/join/<int:plan_id>/", views.club_join, name="club-join"),
    path("clubs/<slug:slug>/billing/", views.club_billing, name="club-billing"),
    path("clubs/<slug:slug>/billing/checkout/", views.checkout_start, name="checkout-start"),
    path("clubs/<slug:slug>/billing/checkout/success/", views.checkout_success, name="checkout-success"),
    path("clubs/<slug:slug>/billing/checkout/cancel/", views.checkout_cancel, name="checkout-cancel"),
    path("clubs/<slug:slug>/billing/cancel/", views.subscription_cancel, name="subscription-cancel"),
    path("clubs/<slug:slug>/billing/resume/", views.subscription_resume, name="subscription-resume"),
    path("clubs/<slug:slug>/billing/switch/<int:plan_id>/", views.plan_switch, name="plan-switch"),
    path("clubs/<slug:slug>/billing/portal/", views.billing_portal, name="billing-portal"),
    path("clubs/<slug:slug>/billing/pause/", growth_views.subscription_pause, name="subscription-pause"),
    path("clubs/<slug:slug>/billing/unpause/", growth_views.subscription_unpause, name="subscription-unpause"),
    path("clubs/<slug:slug>/gift/", growth_views.gift_buy, name="gift-buy"),
    path("clubs/<slug:slug>/gift/thanks/", growth_views.gift_thanks, name="gift-thanks"),
    path("gifts/redeem/<str:token>/", growth_views.gift_redeem, name="gift-redeem"),
]
