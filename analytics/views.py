"""Dashboards for a club's leaders and for staff, their CSV tables, NPS settings and the NPS answer page.

Thin: check who may look, read with selectors, write with services, turn AnalyticsError into a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from analytics.charts import chart_data
from analytics.csv_export import TABLES, csv_response
from analytics.db import report_queries
from analytics.exceptions import AnalyticsError
from analytics.forms import NpsAnswerForm, NpsSettingsForm, PeriodForm
from analytics.selectors import Dashboard, clubs_for_staff, nps_settings_for
from analytics.selectors.cohorts import MONTHS_SHOWN
from analytics.services.nps import nps_answer_record, nps_settings_update, survey_from_token
from clubs.decorators import leaders_only
from clubs.models import Club
from members.permissions import require_staff_powers


def _dashboard(request, *, clubs, club: Club | None) -> tuple[Dashboard, PeriodForm]:
    form = PeriodForm(request.GET or None)
    period = form.period(time_zone=club.time_zone if club else "UTC")
    return Dashboard(clubs=clubs, period=period, with_member_list=club is not None), form


def _period_refused(form: PeriodForm) -> list[str]:
    """What is wrong with the period asked for in the link: each field's message with its label, then the form's."""
    if not form.is_bound or form.is_valid():
        return []
    refusals = [f"{form[name].label}: {error}" for name in form.fields for error in form.errors.get(name, [])]
    return refusals + list(form.non_field_errors())


def _render_dashboard(request, *, clubs, club: Club | None):
    dashboard, form = _dashboard(request, clubs=clubs, club=club)
    refusals = _period_refused(form)
    for refusal in refusals:  # the page shows the default period, and says why the asked one was refused
        messages.error(request, refusal)
    with report_queries():
        response = render(request, "analytics/dashboard.html", _context(dashboard, form, club))
    response.status_code = 400 if refusals else 200
    return response


def _csv(request, *, table: str, clubs, club: Club | None):
    """A table of the asked period; a refused period answers 400 with the reason, never another period's figures."""
    if table not in TABLES:
        raise Http404
    dashboard, form = _dashboard(request, clubs=clubs, club=club)
    refusals = _period_refused(form)
    if refusals:
        return HttpResponseBadRequest("\n".join(refusals), content_type="text/plain; charset=utf-8")
    return csv_response(table=table, dashboard=dashboard, club=club)


def _context(dashboard: Dashboard, form: PeriodForm, club: Club | None) -> dict:
    return {
        "club": club,
        "dashboard": dashboard,
        "form": form,
        "charts": chart_data(dashboard),
        "nps_settings": nps_settings_for(club=club) if club else None,
        "cohort_offsets": range(MONTHS_SHOWN),
        "csv_url_name": "analytics:club-dashboard-csv" if club else "analytics:staff-dashboard-csv",
    }


@leaders_only
def club_dashboard(request, club):
    return _render_dashboard(request, clubs=Club.objects.filter(pk=club.pk), club=club)


@leaders_only
def club_dashboard_csv(request, club, table):
    return _csv(request, table=table, clubs=Club.objects.filter(pk=club.pk), club=club)


def _staff_only(request):
    require_staff_powers(request.user)  # staff without two-factor are sent to set it up


@login_required
def staff_dashboard(request):
    _staff_only(request)
    return _render_dashboard(request, clubs=clubs_for_staff(user=request.user), club=None)


@login_required
def staff_dashboard_csv(request, table):
    _staff_only(request)
    return _csv(request, table=table, clubs=clubs_for_staff(user=request.user), club=None)


@require_http_methods(["GET", "POST"])
@leaders_only
def nps_settings(request, club):
    current = nps_settings_for(club=club)
    form = NpsSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            nps_settings_update(club=club, **form.cleaned_data)
        except AnalyticsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("NPS survey settings saved."))
            return redirect("analytics:club-dashboard", slug=club.slug)
    return render(request, "analytics/nps_settings.html", {"club": club, "form": form})


@require_http_methods(["GET", "POST"])
def nps_answer(request, token):
    """The page a survey email links to: the signed link is the member's key, no log-in needed."""
    survey = survey_from_token(token=token)
    if survey is None:
        raise Http404
    answered = hasattr(survey, "response")
    form = NpsAnswerForm(request.POST or None)
    if request.method == "POST" and not answered and form.is_valid():
        try:
            nps_answer_record(survey=survey, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except AnalyticsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you! Your answer helps %(club)s.") % {"club": survey.club.local_name})
        return redirect("analytics:nps-answer", token=token)
    return render(request, "analytics/nps_answer.html", {"survey": survey, "form": form, "answered": answered})
