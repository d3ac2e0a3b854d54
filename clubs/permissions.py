"""Who may do what in a club. Membership access itself is MembershipQuerySet.with_access."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from clubs.membership_pause import memberships_with_pause
from clubs.models import Club, Membership
from members.models import User
from members.permissions import StaffMfaRequired, user_has_staff_powers, user_is_staff_without_mfa


@dataclass(frozen=True)
class ClubViewer:
    """How the current user stands towards one club, read once per request (at most 2 queries)."""

    membership: Membership | None
    is_leader: bool
    has_member_access: bool

    @property
    def may_enter_member_area(self) -> bool:
        """Members with access, and always the club's leaders and staff."""
        return self.is_leader or self.has_member_access


def user_leads_club(*, user: User, club: Club) -> bool:
    """Leaders of this club and staff (with two-factor when required); a leader of another club is nobody here."""
    if not user.is_authenticated:
        return False
    return user_has_staff_powers(user) or club.leaders.filter(pk=user.pk).exists()


def refuse(user: User) -> None:
    """A refused visitor who would have entered as staff is sent to set up two-factor (``StaffMfaRequired``)."""
    if user_is_staff_without_mfa(user):
        raise StaffMfaRequired


def _memberships_with_flags(user: User, **club_lookup):
    """The user's membership rows of one club, each carrying ``has_access`` and ``leads_club``, and its pause
    for the status badge (``is_paused_now``, ``paused_until``: clubs/membership_pause.py), in the same query."""
    return memberships_with_pause(
        Membership.objects.filter(user=user, **club_lookup)
        .select_related("plan")
        .annotate(
            has_access=Exists(Membership.objects.with_access().filter(pk=OuterRef("pk"))),
            leads_club=Exists(Club.leaders.through.objects.filter(club=OuterRef("club_id"), user=user)),
        )
    )


def club_with_viewer_by_slug(*, user: User, slug: str) -> Club | None:
    """A member's club and standing in one query (``request.club`` on safe requests, clubs/selectors.py).

    The standing is kept on this club instance, so ``club_viewer`` for the same user answers without a
    query for the rest of the request. None when the user has no membership there: read the club alone
    and tell it so with ``remember_no_membership``.
    """
    membership = _memberships_with_flags(user, club__slug=slug).select_related("club").first()
    if membership is None:
        return None
    club = membership.club
    club._viewer_of_request = (user.pk, _viewer_from(user=user, club=club, membership=membership))
    return club


def remember_no_membership(*, user: User, club: Club) -> None:
    """``club_with_viewer_by_slug`` found no membership: ``club_viewer`` need not ask again."""
    club._viewer_of_request = (user.pk, None)


def club_viewer(*, user: User, club: Club) -> ClubViewer:
    """Every club page asks this first, so a member's answer is one query: the membership carries both flags."""
    if not user.is_authenticated:
        return ClubViewer(membership=None, is_leader=False, has_member_access=False)
    known = getattr(club, "_viewer_of_request", None)
    if known is not None and known[0] == user.pk:
        if known[1] is None:  # no membership, leadership not asked yet
            club._viewer_of_request = (user.pk, _viewer_from(user=user, club=club, membership=None))
        return club._viewer_of_request[1]
    membership = _memberships_with_flags(user, club=club).first()
    return _viewer_from(user=user, club=club, membership=membership)


def _viewer_from(*, user: User, club: Club, membership: Membership | None) -> ClubViewer:
    # Without a membership (leaders who never joined, staff, strangers) leadership is asked on its own.
    if membership:
        is_leader = membership.leads_club or user_has_staff_powers(user)
    else:
        is_leader = user_leads_club(user=user, club=club)
    return ClubViewer(
        membership=membership, is_leader=is_leader, has_member_access=bool(membership and membership.has_access)
    )


def user_may_enter_member_area(*, user: User, club: Club) -> bool:
    return club_viewer(user=user, club=club).may_enter_member_area
