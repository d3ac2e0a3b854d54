from core.exceptions import DomainError


class PrivacyError(DomainError):
    """An export or erasure was refused; the message says why."""
