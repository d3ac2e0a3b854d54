from core.exceptions import DomainError


class FeedError(DomainError):
    """A rule of the feed refused the request; the message is shown to the member."""
