from django.urls import path

from automations import views

app_name = "automations"

urlpatterns = [
    path("clubs/<slug:slug>/automations/", views.automation_settings, name="settings"),
    path(
        "clubs/<slug:slug>/automations/preview/<str:kind>/",
        views.automation_preview_page,
        name="automation-preview",
    ),
    path(
        "clubs/<slug:slug>/automations/preview/<str:kind>/<str:language>/frame/",
        views.automation_preview_frame,
        name="automation-preview-frame",
    ),
    path("clubs/<slug:slug>/automations/preview/<str:kind>/test/", views.automation_test, name="automation-test"),
    path("clubs/<slug:slug>/automations/inactive/", views.inactive_member_list, name="inactive-members"),
    path("clubs/<slug:slug>/referrals/", views.my_referrals, name="my-referrals"),
    path("clubs/<slug:slug>/leave/", views.cancel_membership, name="cancel-membership"),
    path("clubs/<slug:slug>/leave/stay/", views.save_offer_take, name="save-offer-accept"),
    path("r/<str:code>/", views.referral_landing, name="referral-landing"),
    path("a/<str:token>/", views.email_click, name="click"),
]
