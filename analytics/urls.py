from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("clubs/<slug:slug>/dashboard/", views.club_dashboard, name="club-dashboard"),
    path("clubs/<slug:slug>/dashboard/<slug:table>.csv", views.club_dashboard_csv, name="club-dashboard-csv"),
    path("clubs/<slug:slug>/dashboard/nps-settings/", views.nps_settings, name="nps-settings"),
    path("analytics/", views.staff_dashboard, name="staff-dashboard"),
    path("analytics/<slug:table>.csv", views.staff_dashboard_csv, name="staff-dashboard-csv"),
    path("nps/<str:token>/", views.nps_answer, name="nps-answer"),
]
