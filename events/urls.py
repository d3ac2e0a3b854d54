from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("clubs/<slug:slug>/events/", views.event_list, name="event-list"),
    path("clubs/<slug:slug>/events/past/", views.event_archive, name="event-archive"),
    path("clubs/<slug:slug>/events/new/", views.event_create, name="event-create"),
    path("clubs/<slug:slug>/events/<int:pk>/", views.event_detail, name="event-detail"),
    path("clubs/<slug:slug>/events/<int:pk>/rsvp/", views.event_rsvp, name="event-rsvp"),
    path("clubs/<slug:slug>/events/<int:pk>/event.ics", views.event_ics, name="event-ics"),
    path("clubs/<slug:slug>/events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("clubs/<slug:slug>/events/<int:pk>/cancel/", views.event_cancel, name="event-cancel"),
    path("clubs/<slug:slug>/events/<int:pk>/check-in/", views.event_checkin, name="event-checkin"),
    path("clubs/<slug:slug>/events/series/<int:pk>/edit/", views.series_edit, name="series-edit"),
    path("clubs/<slug:slug>/events/series/<int:pk>/cancel/", views.series_cancel_view, name="series-cancel"),
    path("clubs/<slug:slug>/events/series/<int:pk>/cover/", views.event_cover, name="event-cover"),
    path("clubs/<slug:slug>/events/attendance/<int:user_id>/", views.member_attendance, name="member-attendance"),
    path("my/events/attendance/", views.my_attendance, name="my-attendance"),
    path("my/events/calendar/", views.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
