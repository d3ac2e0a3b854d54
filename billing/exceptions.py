from core.exceptions import DomainError


class BillingError(DomainError):
    """A billing rule refused the request; the message is shown to the member or staff."""


class WebhookProcessingError(Exception):
    """A handler failed; the event keeps the traceback and is retried with backoff."""
