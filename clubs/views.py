"""Club pages. Thin: read with selectors, write with services, turn domain errors into messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.views import start_checkout
from clubs import selectors
from clubs.decorators import member_area_gate
from clubs.exceptions import MembershipError
from clubs.models import MembershipStatus, Plan
from clubs.permissions import club_viewer, user_leads_club
from clubs.pricing import plan_pricing
from clubs.services import membership_request
from events.selectors import occurrences_next_for_club_home
from feed.selectors import club_home_feed
from offers.selectors import offer_current_for_home

MEMBERS_ON_HOME = 12
ROSTER_PAGE_SIZE = 50


def club_directory(request):
    search = request.GET.get("q", "").strip()[:100]
    clubs = selectors.club_list_for_directory(search=search)
    template = "clubs/_club_cards.html" if request.htmx else "clubs/club_directory.html"
    response = render(request, template, {"clubs": clubs, "search": search})
    # The same URL answers with a partial for htmx: caches must tell the two apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def club_detail(request, slug):
    club = selectors.club_get_by_slug(slug=slug, with_plans=True)
    viewer = club_viewer(user=request.user, club=club)
    context = {
        "club": club,
        "pricing": plan_pricing(club.active_plans),
        "membership": viewer.membership,
        "may_enter": viewer.may_enter_member_area,
        "member_count": selectors.club_member_count(club=club),
    }
    return render(request, "clubs/club_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def club_join(request, slug, plan_id):
    club = selectors.club_get_by_slug(slug=slug, with_plans=True)
    plan = get_object_or_404(Plan, pk=plan_id, club=club, is_active=True)
    if club_viewer(user=request.user, club=club).has_member_access:
        messages.info(request, _("You are already a member of %(club)s.") % {"club": club.name})
        return redirect("clubs:club-home", slug=club.slug)
    if request.method == "POST":
        try:
            membership = membership_request(user=request.user, club=club, plan=plan)
        except MembershipError as error:
            messages.error(request, str(error))
            return redirect(club.get_absolute_url())
        # Payment decides access: the member goes to Stripe Checkout (or the demo checkout).
        return start_checkout(request, membership)
    pricing = next(item for item in plan_pricing(club.active_plans) if item.plan.pk == plan.pk)
    return render(request, "clubs/club_join.html", {"club": club, "plan": plan, "price": pricing})


def club_home(request, slug):
    club = selectors.club_get_by_slug(slug=slug)
    viewer = member_area_gate(request, club)
    if isinstance(viewer, HttpResponse):
        return viewer
    context = {
        "club": club,
        "membership": viewer.membership,
        "is_leader": viewer.is_leader,
        "leaders": club.leaders.order_by("display_name", "email"),
        "recent_members": selectors.club_members_with_access(club=club, limit=MEMBERS_ON_HOME),
        "member_count": selectors.club_member_count(club=club),
        "feed_summary": club_home_feed(club=club, viewer=viewer),
        "next_events": occurrences_next_for_club_home(club=club),
        "current_offers": offer_current_for_home(club=club),
    }
    return render(request, "clubs/club_home.html", context)


@login_required
def my_clubs(request):
    context = {
        "memberships": selectors.memberships_for_user(user=request.user),
        "led_clubs": selectors.clubs_led_by(user=request.user),
    }
    return render(request, "clubs/my_clubs.html", context)


@login_required
def club_roster(request, slug):
    club = selectors.club_get_by_slug(slug=slug)
    if not user_leads_club(user=request.user, club=club):
        raise Http404
    status = request.GET.get("status", "")
    page = Paginator(selectors.club_roster(club=club, status=status), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"club": club, "page": page, "status": status, "statuses": MembershipStatus.choices}
    return render(request, "clubs/club_roster.html", context)
