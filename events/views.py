"""Event pages. Thin: read with selectors, write with services, turn domain errors into messages.

Member pages follow the club's member area: anonymous people are sent to log in, signed-in people without
access to the club's page. Leader pages answer 404 to everyone else, so they do not reveal themselves.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs import page_cache
from clubs.decorators import leaders_only, member_area
from core.ratelimit import rate_limit
from core.redirects import next_path
from events import selectors
from events.exceptions import CapacityDecisionNeeded, EventsError
from events.forms import CheckInForm, EventForm, RsvpForm, SeriesForm
from events.ics import calendar_ics
from events.models import RsvpStatus
from events.services.attendance import attendance_check_in, attendance_undo
from events.services.calendars import calendar_token_issue, calendar_token_mark_used, calendar_token_revoke
from events.services.rsvps import rsvp_set
from events.services.schedule import (
    occurrence_cancel,
    occurrence_update,
    series_cancel,
    series_cover_set,
    series_create,
    series_update,
)
from members.images import image_response

EVENTS_PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 50


EVENTS_INVITATION = _lazy("Events of %(club)s are for members. Join to take part.")
OSM_SEARCH = "https://www.openstreetmap.org/search"


def map_url(place: str) -> str:
    """An OpenStreetMap search for the place: a plain link, no script, no embedded map."""
    return f"{OSM_SEARCH}?{urlencode({'query': place})}" if place.strip() else ""


def _ics_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Member-only details: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_area(invitation=EVENTS_INVITATION)
def event_list(request, club, viewer):
    def render_page():
        page = Paginator(selectors.occurrences_upcoming(club=club, user=request.user), EVENTS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context = {"club": club, "page": page, "is_leader": viewer.is_leader, "archive": False}
        return render(request, "events/event_list.html", context)

    # Kept per viewer until the club's events or RSVPs change (clubs/page_cache.py, core/pagecache.py).
    return page_cache.member_page(
        request, club=club, viewer=viewer, page="event-list", sections=page_cache.EVENTS_SECTIONS, render=render_page
    )


@require_GET
@member_area(invitation=EVENTS_INVITATION)
def event_archive(request, club, viewer):
    page = Paginator(selectors.occurrences_past(club=club, user=request.user), EVENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"club": club, "page": page, "is_leader": viewer.is_leader, "archive": True}
    return render(request, "events/event_list.html", context)


@require_GET
@member_area(invitation=EVENTS_INVITATION)
def event_detail(request, club, viewer, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    rsvp = selectors.rsvp_for(occurrence=occurrence, user=request.user)
    going = list(selectors.occurrence_going(occurrence=occurrence))
    occurrence.going_count = sum(answer.seats for answer in going)
    context = {
        "club": club,
        "occurrence": occurrence,
        "rsvp": rsvp,
        "show_online_link": selectors.may_see_online_link(occurrence=occurrence, rsvp=rsvp, is_leader=viewer.is_leader),
        "map_url": map_url(occurrence.place),
        "guest_choices": range(occurrence.guests_allowed + 1),
        "waitlist_position": selectors.waitlist_position(rsvp=rsvp)
        if rsvp and rsvp.status == RsvpStatus.WAITLISTED
        else None,
        "going": going,
        "waitlist": list(selectors.occurrence_waitlist(occurrence=occurrence)) if viewer.is_leader else [],
        "is_leader": viewer.is_leader,
    }
    return render(request, "events/event_detail.html", context)


@require_POST
@member_area(invitation=EVENTS_INVITATION)
@rate_limit(action="rsvp", rate="20/m")
def event_rsvp(request, club, viewer, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you are going."))
    else:
        try:
            rsvp = rsvp_set(
                occurrence_pk=occurrence.pk,
                user=request.user,
                going=form.cleaned_data["going"],
                guests=form.cleaned_data["guests"] or 0,
            )
        except EventsError as error:
            messages.error(request, str(error))
        else:
            feedback = {
                RsvpStatus.GOING: _("You are going. See you there!"),
                RsvpStatus.WAITLISTED: _(
                    "The event is full: you are on the waitlist. We will email you if a seat comes free."
                ),
                RsvpStatus.NOT_GOING: _("Thanks for letting us know you are not going."),
            }
            messages.success(request, feedback[RsvpStatus(rsvp.status)])
    return HttpResponseRedirect(next_path(request, occurrence.get_absolute_url()))


@require_GET
@member_area(invitation=EVENTS_INVITATION)
def event_ics(request, club, viewer, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    rsvp = selectors.rsvp_for(occurrence=occurrence, user=request.user)
    online = selectors.may_see_online_link(occurrence=occurrence, rsvp=rsvp, is_leader=viewer.is_leader)
    content = calendar_ics([occurrence], name=occurrence.title, online_for={occurrence.pk} if online else ())
    return _ics_response(content, filename=f"{club.slug}-event-{occurrence.pk}.ics")


@require_GET
@member_area(invitation=EVENTS_INVITATION)
def event_cover(request, club, viewer, pk):
    """A series' cover image is member content: only those who may enter the member area get it."""
    series = selectors.series_get(club=club, pk=pk)
    if not series.cover_image:
        raise Http404
    return image_response(series.cover_image, download_name=f"event-{series.pk}", private=True)


@require_http_methods(["GET", "POST"])
@leaders_only
def event_create(request, club):
    form = SeriesForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = series_create(
                club=club,
                actor=request.user,
                details=form.details(),
                timing=form.timing(),
                recurrence=form.recurrence(),
                cover=form.cleaned_data["cover"],
            )
        except EventsError as error:
            form.add_error(None, str(error))
        else:
            first = series.occurrences.order_by("starts_at").first()
            count = series.occurrences.count()
            messages.success(
                request,
                ngettext("Event planned (%(count)d date).", "Event planned (%(count)d dates).", count)
                % {"count": count},
            )
            return redirect(first.get_absolute_url())
    context = {"club": club, "form": form, "mode": "create"}
    return render(request, "events/event_form.html", context)


def _asks_over_capacity(request) -> bool:
    """The choice is required once it was asked: the form asked comes back with the field filled in."""
    return request.method == "POST" and request.POST.get("ask_over_capacity") == "1"


def _ask_over_capacity(form_class, request, *, initial: dict, error: CapacityDecisionNeeded, has_cover: bool):
    """The same form again, now asking what to do with those over the new capacity (nothing was saved).

    A chosen cover image is not kept across the question: the browser cannot send the file again unasked.
    """
    form = form_class(request.POST, initial=initial, ask_over_capacity=True, has_cover=has_cover)
    form.is_valid()
    form.errors.pop("over_capacity", None)
    form.add_error("over_capacity", str(error))
    form.asked_over_capacity = True
    return form


@require_http_methods(["GET", "POST"])
@leaders_only
def event_edit(request, club, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    initial = EventForm.initial_for(occurrence, time_zone=occurrence.series.time_zone)
    ask = _asks_over_capacity(request)
    has_cover = bool(occurrence.series.cover_image)
    form = EventForm(
        request.POST or None, request.FILES or None, initial=initial, ask_over_capacity=ask, has_cover=has_cover
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                occurrence_update(
                    occurrence=occurrence,
                    details=form.details(),
                    timing=form.timing(),
                    over_capacity=form.over_capacity_choice(),
                )
                cover, remove = form.cleaned_data["cover"], form.cover_removed()
                series_cover_set(series=occurrence.series, cover=cover, remove=remove)
        except CapacityDecisionNeeded as error:
            form = _ask_over_capacity(EventForm, request, initial=initial, error=error, has_cover=has_cover)
        except EventsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("This date of the event is saved. Other dates are unchanged."))
            return redirect(occurrence.get_absolute_url())
    context = {"club": club, "form": form, "occurrence": occurrence, "mode": "occurrence"}
    return render(request, "events/event_form.html", context)


@require_http_methods(["GET", "POST"])
@leaders_only
def series_edit(request, club, pk):
    series = selectors.series_get(club=club, pk=pk)
    initial = SeriesForm.initial_for_series(series)
    has_cover = bool(series.cover_image)
    form = SeriesForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        ask_over_capacity=_asks_over_capacity(request),
        has_cover=has_cover,
    )
    if request.method == "POST" and form.is_valid():
        try:
            series_update(
                series=series,
                details=form.details(),
                timing=form.timing(),
                recurrence=form.recurrence(),
                over_capacity=form.over_capacity_choice(),
                cover=form.cleaned_data["cover"],
                remove_cover=form.cover_removed(),
            )
        except CapacityDecisionNeeded as error:
            form = _ask_over_capacity(SeriesForm, request, initial=initial, error=error, has_cover=has_cover)
        except EventsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The series is saved. Dates edited on their own keep their changes."))
            return redirect("events:event-list", slug=club.slug)
    context = {"club": club, "form": form, "series": series, "mode": "series"}
    return render(request, "events/event_form.html", context)


@require_http_methods(["GET", "POST"])
@leaders_only
def event_cancel(request, club, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    if request.method == "POST":
        try:
            occurrence_cancel(occurrence=occurrence)
        except EventsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The event is cancelled. Those going or on the waitlist are told."))
        return redirect(occurrence.get_absolute_url())
    context = {
        "club": club,
        "occurrence": occurrence,
        "going_count": occurrence.rsvps.filter(status__in=[RsvpStatus.GOING, RsvpStatus.WAITLISTED]).count(),
    }
    return render(request, "events/event_cancel.html", context)


@require_http_methods(["GET", "POST"])
@leaders_only
def series_cancel_view(request, club, pk):
    series = selectors.series_with_upcoming(series=selectors.series_get(club=club, pk=pk))
    if request.method == "POST":
        cancelled = series_cancel(series=series)
        messages.success(
            request,
            ngettext("%(count)d upcoming date cancelled.", "%(count)d upcoming dates cancelled.", cancelled)
            % {"count": cancelled},
        )
        return redirect("events:event-list", slug=club.slug)
    return render(request, "events/series_cancel.html", {"club": club, "series": series})


@require_http_methods(["GET", "POST"])
@leaders_only
def event_checkin(request, club, pk):
    occurrence = selectors.occurrence_get(club=club, pk=pk)
    if request.method == "POST":
        form = CheckInForm(request.POST)
        member = refusal = None
        if form.is_valid():
            member = selectors.club_member_for_leader(club=club, user_id=form.cleaned_data["member"])
            try:
                if form.cleaned_data["action"] == "undo":
                    attendance_undo(occurrence=occurrence, member=member)
                else:
                    attendance_check_in(occurrence=occurrence, member=member, actor=request.user)
            except EventsError as error:
                refusal = str(error)
        if request.htmx and member is not None:
            # The swapped-in row says why nothing happened (before the window, a cancelled event): a queued
            # message would only show on the next page, so the button seemed to do nothing.
            member.attended = occurrence.attendances.filter(user=member).exists()
            context = {"club": club, "occurrence": occurrence, "person": member, "refusal": refusal}
            return render(request, "events/_checkin_row.html", context)
        if refusal:
            messages.error(request, refusal)
        anchor = f"#member-{member.pk}" if member is not None else ""
        return redirect(reverse("events:event-checkin", args=[club.slug, occurrence.pk]) + anchor)
    going, others = selectors.checkin_sheet(occurrence=occurrence)
    context = {
        "club": club,
        "occurrence": occurrence,
        "going": going,
        "others": others,
        "checked_in": sum(person.attended for person in going + others),
    }
    return render(request, "events/event_checkin.html", context)


@require_GET
@leaders_only
def member_attendance(request, club, user_id):
    person = selectors.club_member_for_leader(club=club, user_id=user_id)
    page = Paginator(selectors.attendance_history(user=person, club=club), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "events/attendance_history.html", {"club": club, "person": person, "page": page})


@require_GET
@login_required
def my_attendance(request):
    page = Paginator(selectors.attendance_history(user=request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "events/attendance_history.html", {"club": None, "person": request.user, "page": page})


@require_http_methods(["GET", "POST"])
@login_required
def calendar_settings(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_token_revoke(user=request.user)
            messages.success(request, _("Your calendar link is turned off. Calendars that used it stop updating."))
        else:
            calendar_token_issue(user=request.user)
            messages.success(request, _("Your new calendar link is ready. Any older link no longer works."))
        return redirect("events:calendar-settings")
    token = selectors.calendar_token_live(user=request.user)
    feed_url = request.build_absolute_uri(reverse("events:calendar-feed", args=[token.token])) if token else ""
    context = {
        "token": token,
        "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
        "clubs": selectors.clubs_with_event_access(user=request.user).order_by("name"),
    }
    return render(request, "events/calendar_settings.html", context)


@require_GET
def calendar_feed(request, token):
    """Calendar apps fetch this without a session: the secret token is the only key."""
    user = selectors.calendar_token_owner(token=token)
    calendar_token_mark_used(token=token)
    occurrences = selectors.occurrences_for_feed(user=user)
    going = selectors.going_occurrence_ids(user=user, occurrences=occurrences)
    content = calendar_ics(occurrences, name=_("My club events"), online_for=going)
    return _ics_response(content, filename="returnpath-events.ics")
