"""Reads for clubs and memberships, each scoped to what the viewer may see."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404

from clubs.membership_pause import memberships_with_pause
from clubs.models import Club, Membership, MembershipStatus, Plan
from clubs.permissions import club_with_viewer_by_slug, remember_no_membership
from clubs.texts import site_languages
from members.middleware import activate_club_language
from members.models import User


def _active_plans() -> Prefetch:
    return Prefetch(
        "plans", queryset=Plan.objects.filter(is_active=True).order_by("order", "pk"), to_attr="active_plans"
    )


def _with_member_count(queryset: QuerySet[Club]) -> QuerySet[Club]:
    """Annotate ``member_count``: memberships that pass the access rule, counted in SQL."""
    counts = (
        Membership.objects.with_access()
        .filter(club=OuterRef("pk"))
        .order_by()
        .values("club")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(member_count=Coalesce(Subquery(counts), 0))


def club_list_for_directory(*, search: str = "") -> QuerySet[Club]:
    """Listed clubs with their active plans and how many members have access (2 queries)."""
    clubs = Club.objects.filter(is_listed=True)
    if search:
        # The club's own texts and those in every site language (clubs/texts.py): a name is found as it is shown.
        matches = Q(name__icontains=search) | Q(tagline__icontains=search)
        for code in site_languages():
            for field in ("name", "tagline"):
                matches |= Q(**{f"translations__{code}__{field}__icontains": search})
        clubs = clubs.filter(matches)
    return _with_member_count(clubs).prefetch_related(_active_plans()).order_by("name")


def club_get_by_slug(*, slug: str) -> Club:
    """Any club by its link, listed or not (unlisted means 'not in the directory'); 404 for none."""
    try:
        return Club.objects.get(slug=slug)
    except Club.DoesNotExist as exc:
        raise Http404 from exc


def club_for_request(*, request, slug: str) -> Club:
    """The club of a page's URL (``request.club``, core/request_club.py), resolved once per request.

    Every club page comes through here, so this is where a visitor without a language gets the club's.
    For a view that asks the viewer's standing first (``asks_club_viewer``), on a GET by a signed-in user the
    same query reads their membership, which ``club_viewer`` then reuses (not on writes: a POST may change
    the membership before it asks again).
    """
    club = None
    user = getattr(request, "user", None)
    wants_viewer = getattr(request, "club_viewer_first", False)  # set from the view (clubs/decorators.py)
    if wants_viewer and request.method in ("GET", "HEAD") and user is not None and user.is_authenticated:
        club = club_with_viewer_by_slug(user=user, slug=slug)
        if club is None:
            club = club_get_by_slug(slug=slug)
            remember_no_membership(user=user, club=club)
    if club is None:
        club = club_get_by_slug(slug=slug)
    activate_club_language(club)
    return club


def club_with_active_plans(*, club: Club) -> Club:
    """``club.active_plans``: its plans on sale, in their order (1 query, once per request)."""
    if not hasattr(club, "active_plans"):
        prefetch_related_objects([club], _active_plans())
    return club


def club_plans(*, club: Club) -> list[Plan]:
    """Every plan of the club, on sale or not, in their order (1 query): the leader's texts page names them all."""
    return list(Plan.objects.filter(club=club).order_by("order", "pk"))


def membership_has_access(*, membership: Membership) -> bool:
    """The one access rule (MembershipQuerySet.with_access) applied to one membership."""
    return Membership.objects.filter(pk=membership.pk).with_access().exists()


def memberships_for_user(*, user: User) -> list[Membership]:
    """The viewer's memberships, each marked with ``has_access`` by the one rule and its pause (1 query)."""
    return list(
        memberships_with_pause(
            Membership.objects.filter(user=user)
            .select_related("club", "plan")
            .annotate(has_access=Exists(Membership.objects.with_access().filter(pk=OuterRef("pk"))))
            .order_by("club__name")
        )
    )


def club_members_with_access(*, club: Club, limit: int | None = None) -> QuerySet[Membership]:
    members = Membership.objects.filter(club=club).with_access().select_related("user").order_by("-started_at", "-pk")
    return members[:limit] if limit else members


def club_member_count(*, club: Club) -> int:
    return Membership.objects.filter(club=club).with_access().count()


def club_roster(*, club: Club, status: str = "") -> QuerySet[Membership]:
    """Every membership of a club for its leaders, optionally one status; each row carries its pause (no query)."""
    roster = memberships_with_pause(
        Membership.objects.filter(club=club).select_related("user", "plan").order_by("status", "user__email")
    )
    if status in MembershipStatus.values:
        roster = roster.filter(status=status)
    return roster


def clubs_led_by(*, user: User) -> QuerySet[Club]:
    if not user.is_authenticated:
        return Club.objects.none()
    return user.led_clubs.order_by("name")
