from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("language/", views.language_switch, name="language"),
    path("email/unsubscribe/<str:token>/", views.email_unsubscribe, name="email-unsubscribe"),
]
