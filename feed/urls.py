from django.urls import path

from feed import views

app_name = "feed"

urlpatterns = [
    path("clubs/<slug:slug>/feed/", views.feed, name="feed"),
    path("clubs/<slug:slug>/feed/new/", views.achievement_create, name="achievement-create"),
    path("clubs/<slug:slug>/feed/reports/", views.report_list, name="report-list"),
    path("clubs/<slug:slug>/feed/<int:pk>/", views.achievement_detail, name="achievement-detail"),
    path("clubs/<slug:slug>/feed/<int:pk>/edit/", views.achievement_edit, name="achievement-edit"),
    path("clubs/<slug:slug>/feed/<int:pk>/delete/", views.achievement_delete, name="achievement-delete"),
    path("clubs/<slug:slug>/feed/<int:pk>/cheer/", views.achievement_cheer, name="achievement-cheer"),
    path("clubs/<slug:slug>/feed/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("clubs/<slug:slug>/feed/<int:pk>/report/", views.achievement_report, name="achievement-report"),
    path("clubs/<slug:slug>/feed/<int:pk>/moderate/", views.achievement_moderate, name="achievement-moderate"),
    path("clubs/<slug:slug>/feed/<int:pk>/highlight/", views.achievement_highlight, name="achievement-highlight"),
    path("clubs/<slug:slug>/feed/<int:pk>/photo/<str:size>/", views.achievement_photo, name="achievement-photo"),
    path("clubs/<slug:slug>/feed/comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("clubs/<slug:slug>/feed/comments/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("clubs/<slug:slug>/feed/comments/<int:pk>/report/", views.comment_report, name="comment-report"),
    path("clubs/<slug:slug>/feed/comments/<int:pk>/moderate/", views.comment_moderate, name="comment-moderate"),
    path("clubs/<slug:slug>/people/<int:user_id>/", views.member_profile, name="member-profile"),
    path("clubs/<slug:slug>/announcements/", views.announcement_list, name="announcement-list"),
    path("clubs/<slug:slug>/announcements/new/", views.announcement_create, name="announcement-create"),
    path("clubs/<slug:slug>/announcements/<int:pk>/", views.announcement_detail, name="announcement-detail"),
    path("clubs/<slug:slug>/announcements/<int:pk>/edit/", views.announcement_edit, name="announcement-edit"),
    path("clubs/<slug:slug>/announcements/<int:pk>/delete/", views.announcement_delete, name="announcement-delete"),
    path("clubs/<slug:slug>/announcements/<int:pk>/pin/", views.announcement_pin, name="announcement-pin"),
    path("clubs/<slug:slug>/announcements/<int:pk>/email/", views.announcement_email, name="announcement-email"),
    path(
        "clubs/<slug:slug>/announcements/<int:pk>/image/<str:size>/",
        views.announcement_image,
        name="announcement-image",
    ),
    path(
        "clubs/<slug:slug>/announcements/<int:pk>/comments/",
        views.announcement_comment_create,
        name="announcement-comment-create",
    ),
    path(
        "clubs/<slug:slug>/announcements/comments/<int:pk>/delete/",
        views.announcement_comment_delete,
        name="announcement-comment-delete",
    ),
    path(
        "clubs/<slug:slug>/announcements/comments/<int:pk>/report/",
        views.announcement_comment_report,
        name="announcement-comment-report",
    ),
    path(
        "clubs/<slug:slug>/announcements/comments/<int:pk>/moderate/",
        views.announcement_comment_moderate,
        name="announcement-comment-moderate",
    ),
]
