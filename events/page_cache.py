"""What on member pages events' rows change: occurrences, series, RSVPs, attendance (core/pagecache.py)."""

from django.apps import apps

from core import pagecache


def register() -> None:
    from events.models import Attendance, Rsvp

    pagecache.watch_club_rows(apps.get_app_config("events"), section="events")
    pagecache.watch(Rsvp, section="events", club_id=lambda rsvp: rsvp.occurrence.club_id)
    pagecache.watch(Attendance, section="events", club_id=lambda attendance: attendance.occurrence.club_id)
