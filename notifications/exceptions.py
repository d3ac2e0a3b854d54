from core.exceptions import DomainError


class NotificationsError(DomainError):
    """A rule of notifications refused the request; the message is shown to the member."""
