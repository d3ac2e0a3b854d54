"""Club pages. Thin: read with selectors, write with services, turn domain errors into messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clubs import consent, hooks, page_cache, selectors
from clubs.decorators import asks_club_viewer, leaders_only, member_area_gate
from clubs.exceptions import ClubsError
from clubs.forms import ClubEmailSettingsForm, ClubTextsForm
from clubs.models import MembershipStatus
from clubs.permissions import club_viewer, refuse, user_leads_club
from clubs.pricing import plan_pricing
from clubs.services import club_email_settings_update, club_texts_update
from core.tokens import BadToken, token_read

MEMBERS_ON_HOME = 12
ROSTER_PAGE_SIZE = 50


def club_directory(request):
    search = request.GET.get("q", "").strip()[:100]
    clubs = selectors.club_list_for_directory(search=search)
    template = "clubs/_club_cards.html" if request.htmx else "clubs/club_directory.html"
    # A leader's way back to the clubs they run, on the page "home" leads to (1 query, none for visitors).
    led_clubs = [] if request.htmx else list(selectors.clubs_led_by(user=request.user))
    response = render(request, template, {"clubs": clubs, "search": search, "led_clubs": led_clubs})
    # The same URL answers with a partial for htmx: caches must tell the two apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@asks_club_viewer
def club_detail(request, slug):
    club = selectors.club_with_active_plans(club=request.club)
    viewer = club_viewer(user=request.user, club=club)
    context = {
        "club": club,
        "pricing": plan_pricing(club.active_plans),
        "membership": viewer.membership,
        "may_enter": viewer.may_enter_member_area,
        "member_count": selectors.club_member_count(club=club),
    }
    return render(request, "clubs/club_detail.html", context)


@asks_club_viewer
def club_home(request, slug):
    club = request.club
    viewer = member_area_gate(request, club)
    if isinstance(viewer, HttpResponse):
        return viewer

    def render_page():
        context = {
            "club": club,
            "membership": viewer.membership,
            "is_leader": viewer.is_leader,
            "leaders": club.leaders.order_by("display_name", "email"),
            "recent_members": selectors.club_members_with_access(club=club, limit=MEMBERS_ON_HOME),
            "member_count": selectors.club_member_count(club=club),
            # Next events, the feed and current offers come from the apps above clubs (clubs/hooks.py).
            **hooks.club_home_context(club=club, viewer=viewer),
        }
        return render(request, "clubs/club_home.html", context)

    # Kept per viewer until the club's content changes (clubs/page_cache.py, core/pagecache.py).
    return page_cache.member_page(
        request, club=club, viewer=viewer, page="club-home", sections=page_cache.CLUB_HOME_SECTIONS, render=render_page
    )


@login_required
def my_clubs(request):
    context = {
        "memberships": selectors.memberships_for_user(user=request.user),
        "led_clubs": selectors.clubs_led_by(user=request.user),
    }
    return render(request, "clubs/my_clubs.html", context)


@login_required
def club_roster(request, slug):
    club = request.club
    if not user_leads_club(user=request.user, club=club):
        refuse(request.user)
        raise Http404
    status = request.GET.get("status", "")
    page = Paginator(selectors.club_roster(club=club, status=status), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"club": club, "page": page, "status": status, "statuses": MembershipStatus.choices}
    return render(request, "clubs/club_roster.html", context)


@require_http_methods(["GET", "POST"])
@leaders_only
def club_settings(request, club):
    """Leaders set what their club's emails carry (logo, colour, postal address, Reply-To) and double opt-in,
    and the club's texts and plan names in the other site languages (one form each; ``section`` says which).
    """
    posted = request.POST if request.method == "POST" else None
    texts_posted = posted is not None and posted.get("section") == "texts"
    form = ClubEmailSettingsForm(None if texts_posted else posted, instance=club)
    texts_form = ClubTextsForm(posted if texts_posted else None, club=club, plans=selectors.club_plans(club=club))
    if texts_posted and texts_form.is_valid():
        try:
            club_texts_update(
                club=club,
                actor=request.user,
                club_translations=texts_form.club_translations(),
                plan_translations=texts_form.plan_translations(),
            )
        except ClubsError as error:
            texts_form.add_error(None, str(error))
        else:
            messages.success(request, _("Texts in other languages saved."))
            return redirect("clubs:club-settings", slug=club.slug)
    elif posted is not None and not texts_posted and form.is_valid():
        club_email_settings_update(club=club, actor=request.user, values=form.cleaned_data)
        messages.success(request, _("Club settings saved."))
        return redirect("clubs:club-settings", slug=club.slug)
    return render(request, "clubs/club_settings.html", {"club": club, "form": form, "texts_form": texts_form})


@require_http_methods(["GET", "POST"])
@never_cache
def consent_confirm(request, token):
    """Double opt-in for offer emails: GET asks (link scanners follow GETs), POST confirms. No login needed."""
    context = {"token": token}
    if request.method == "POST":
        try:
            context["confirmed"] = consent.consent_confirm(token=token)
        except consent.ConsentError as error:
            context["error"] = str(error)
    else:
        try:
            token_read(token, purpose=consent.CONFIRM_PURPOSE, shape=(int,), max_age=consent.confirm_max_age())
        except BadToken:
            context["error"] = _("This confirmation link is not valid or has expired.")
    return render(request, "clubs/consent_confirm.html", context, status=400 if "error" in context else 200)
