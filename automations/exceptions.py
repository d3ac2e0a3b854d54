from core.exceptions import DomainError


class AutomationError(DomainError):
    """A rule of automations, referrals or cancellation refused the request; the message is shown to the user."""
