from core.exceptions import DomainError


class OffersError(DomainError):
    """A rule of offers refused the request; the message is shown to the user."""


class OfferUnavailable(OffersError):
    """Not started, expired, or sold out."""


class BatchRetry(OffersError):
    """A batch stopped before its end (the mail server refused or vanished); its task retries later."""
