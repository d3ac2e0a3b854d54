from core.exceptions import DomainError


class EventsError(DomainError):
    """A rule of events refused the request; the message is shown to the user."""


class RsvpError(EventsError):
    pass


class ScheduleError(EventsError):
    pass


class AttendanceError(EventsError):
    pass


class CapacityDecisionNeeded(ScheduleError):
    """The new capacity is below the seats taken: the leader must say whether those going keep their seats."""
