"""What events contribute to the clubs' definition of member activity (``clubs.activity``).

Registered from ``EventsConfig.ready()``: a check-in and an RSVP answered are signs of life, and the
check-ins are also what offers count as events attended.
"""

from clubs.activity import ATTENDANCE, ActivitySource, source_register
from events.models import Attendance, Rsvp


def register() -> None:
    source_register(
        ActivitySource(
            name=ATTENDANCE,
            model=Attendance,
            member_field="user",
            club_field="occurrence__club",
            at_field="checked_in_at",
        )
    )
    source_register(
        ActivitySource(
            name="rsvp", model=Rsvp, member_field="user", club_field="occurrence__club", at_field="responded_at"
        )
    )
