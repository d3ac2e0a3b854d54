from core.exceptions import DomainError


class ClubsError(DomainError):
    """A rule of clubs or memberships refused the request; the message is shown to the user."""


class MembershipError(ClubsError):
    pass
