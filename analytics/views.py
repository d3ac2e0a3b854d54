"""Dashboards for a club's leaders and for staff, their CSV tables, NPS settings and the NPS answer page.

Thin: check who may look, read with selectors, write with services, turn AnalyticsError into a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
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


def _dashboard(request, *, clubs, club: Club | None) -> tuple[Dashboard, PeriodForm]:
    form = PeriodForm(request.GET or None)
    period = form.period(time_zone=club.time_zone if club else "UTC")
    if form.is_bound and not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)
    return Dashboard(clubs=clubs, period=period, with_member_list=club is not None), form


def _render_dashboard(request, *, clubs, club: Club | None):
    dashboard, form = _dashboard(request, clubs=clubs, club=club)
    with report_queries():
        return render(request, "analytics/dashboard.html", _context(dashboard, form, club))


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
    if table not in TABLES:
        raise Http404
    dashboard, _form = _dashboard(request, clubs=Club.objects.filter(pk=club.pk), club=club)
    return csv_response(table=table, dashboard=dashboard, club=club)


def _staff_only(request):
    if not request.user.is_staff:
        raise Http404


@login_required
def staff_dashboard(request):
    _staff_only(request)
    return _render_dashboard(request, clubs=clubs_for_staff(user=request.user), club=None)


@login_required
def staff_dashboard_csv(request, table):
    _staff_only(request)
    if table not in TABLES:
        raise Http404
    dashboard, _form = _dashboard(request, clubs=clubs_for_staff(user=request.user), club=None)
    return csv_response(table=table, dashboard=dashboard, club=None)


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
            messages.success(request, _("Thank you! Your answer helps %(club)s.") % {"club": survey.club.name})
        return redirect("analytics:nps-answer", token=token)
    return render(request, "analytics/nps_answer.html", {"survey": survey, "form": form, "answered": answered})
