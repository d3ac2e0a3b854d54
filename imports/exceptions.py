from core.exceptions import DomainError


class ImportsError(DomainError):
    """A member import refused the file or the request; the message is shown to the leader."""
