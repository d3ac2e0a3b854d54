class AnalyticsError(Exception):
    """A request the analytics app refuses, with a message for the person who made it."""
