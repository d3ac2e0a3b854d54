"""Check-in at the door: the record of who came, which offers and histories count."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.permissions import club_viewer
from events.exceptions import AttendanceError
from events.models import Attendance, EventOccurrence
from members.models import User

CHECKIN_OPENS_BEFORE = timedelta(hours=2)


@transaction.atomic
def attendance_check_in(
    *, occurrence: EventOccurrence, member: User, actor: User, now: datetime | None = None
) -> Attendance:
    """Mark a member present. Checking in twice keeps the first time (a double tap on a phone is harmless)."""
    now = now or timezone.now()
    if occurrence.is_cancelled:
        raise AttendanceError(_("This event is cancelled."))
    if now < occurrence.starts_at - CHECKIN_OPENS_BEFORE:
        raise AttendanceError(_("Check-in opens two hours before the start."))
    if not club_viewer(user=member, club=occurrence.club).may_enter_member_area:
        raise AttendanceError(_("%(name)s is not a member of the club.") % {"name": member.public_name})
    attendance, _created = Attendance.objects.get_or_create(
        occurrence=occurrence, user=member, defaults={"checked_in_at": now, "checked_in_by": actor}
    )
    return attendance


@transaction.atomic
def attendance_undo(*, occurrence: EventOccurrence, member: User) -> bool:
    """Take back a check-in made by mistake; returns whether there was one."""
    deleted, _rows = Attendance.objects.filter(occurrence=occurrence, user=member).delete()
    return bool(deleted)
