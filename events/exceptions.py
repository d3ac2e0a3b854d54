class EventsError(Exception):
    """A rule of events refused the request; the message is shown to the user."""


class RsvpError(EventsError):
    pass


class ScheduleError(EventsError):
    pass


class AttendanceError(EventsError):
    pass
