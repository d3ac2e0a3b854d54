from django.urls import path

from offers import views

app_name = "offers"

urlpatterns = [
    path("clubs/<slug:slug>/offers/", views.offer_list, name="offer-list"),
    path("clubs/<slug:slug>/offers/mine/", views.my_redemptions, name="my-redemptions"),
    path("clubs/<slug:slug>/offers/manage/", views.offer_manage, name="offer-manage"),
    path("clubs/<slug:slug>/offers/new/", views.offer_create, name="offer-create"),
    path("clubs/<slug:slug>/offers/<int:pk>/", views.offer_detail, name="offer-detail"),
    path("clubs/<slug:slug>/offers/<int:pk>/image/", views.offer_image, name="offer-image"),
    path("clubs/<slug:slug>/offers/<int:pk>/redeem/", views.offer_redeem, name="offer-redeem"),
    path("clubs/<slug:slug>/offers/<int:pk>/redeemed/", views.redemption_success, name="redemption-success"),
    path("clubs/<slug:slug>/offers/<int:pk>/edit/", views.offer_edit, name="offer-edit"),
    path("clubs/<slug:slug>/offers/<int:pk>/delete/", views.offer_delete, name="offer-delete"),
    path("clubs/<slug:slug>/offers/<int:pk>/send/", views.offer_send, name="offer-send"),
    path(
        "clubs/<slug:slug>/offers/<int:pk>/send/preview/<str:language>/",
        views.offer_preview_frame,
        name="offer-preview-frame",
    ),
    path("clubs/<slug:slug>/offers/<int:pk>/send/test/", views.offer_test, name="offer-test"),
    path("clubs/<slug:slug>/offers/<int:pk>/progress/", views.offer_progress, name="offer-progress"),
    # Links in emails: they work without a session, so they carry a signed token.
    path("offers/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("offers/o/<str:token>/pixel.gif", views.email_open, name="email-open"),
    path("offers/c/<str:token>/", views.email_click, name="email-click"),
]
