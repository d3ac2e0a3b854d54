"""Who may do what in a club. Membership access itself is MembershipQuerySet.with_access."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

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


def club_viewer(*, user: User, club: Club) -> ClubViewer:
    """Every club page asks this first, so a member's answer is one query: the membership carries both flags."""
    if not user.is_authenticated:
        return ClubViewer(membership=None, is_leader=False, has_member_access=False)
    membership = (
        Membership.objects.filter(user=user, club=club)
        .select_related("plan")
        .annotate(
            has_access=Exists(Membership.objects.with_access().filter(pk=OuterRef("pk"))),
            leads_club=Exists(Club.leaders.through.objects.filter(club=club, user=user)),
        )
        .first()
    )
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
