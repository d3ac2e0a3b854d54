from django.urls import path

from clubs import views

app_name = "clubs"

urlpatterns = [
    path("", views.club_directory, name="club-directory"),
    path("my/clubs/", views.my_clubs, name="my-clubs"),
    path("clubs/<slug:slug>/", views.club_detail, name="club-detail"),
    path("clubs/<slug:slug>/home/", views.club_home, name="club-home"),
    path("clubs/<slug:slug>/settings/", views.club_settings, name="club-settings"),
    path("clubs/<slug:slug>/members/", views.club_roster, name="club-roster"),
    path("consent/confirm/<str:token>/", views.consent_confirm, name="consent-confirm"),
]
