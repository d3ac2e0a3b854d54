from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_mark_all_read, name="notification-mark-all-read"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/settings/", views.preferences_edit, name="preferences"),
    path("notifications/email/unsubscribe/<str:token>/", views.email_unsubscribe, name="email-unsubscribe"),
]
