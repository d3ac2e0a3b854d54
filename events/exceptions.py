from core.exceptions import DomainError


class EventsError(DomainError):
    """A rule of events refused the request; the message is shown to the user."""


class RsvpError(EventsError):
    pass


class ScheduleError(EventsError):
    pass


class AttendanceError(EventsError):
    pass
