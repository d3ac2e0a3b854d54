from core.exceptions import DomainError


class AnalyticsError(DomainError):
    """A request the analytics app refuses, with a message for the person who made it."""
