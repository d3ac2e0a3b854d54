class ClubsError(Exception):
    """A rule of clubs or memberships refused the request; the message is shown to the user."""


class MembershipError(ClubsError):
    pass
