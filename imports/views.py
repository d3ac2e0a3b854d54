"""Leaders' (and staff's) import pages, the member export, and the invitation link. Thin: forms, services, messages."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs.decorators import leaders_only
from core.csv import csv_response
from core.exceptions import DomainError
from imports import formats, selectors, services
from imports.forms import ImportMappingForm, ImportUploadForm
from imports.models import ImportStatus

PREVIEW_PAGE_SIZE = 100


@require_http_methods(["GET", "POST"])
@leaders_only
def import_start(request, club):
    form = ImportUploadForm(request.POST or None, request.FILES or None, club=club)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.max_bytes():
            form.add_error("file", _("The file is larger than %(size)d MB.") % {"size": services.max_bytes() // 2**20})
        else:
            try:
                job = services.import_preview(
                    club=club,
                    actor=request.user,
                    data=upload.read(services.max_bytes() + 1),
                    filename=upload.name or "",
                    complimentary_until=form.cleaned_data["complimentary_until"],
                    default_plan=form.cleaned_data["default_plan"],
                    send_invitations=form.cleaned_data["send_invitations"],
                    source_format=form.cleaned_data["source_format"],
                )
            except DomainError as error:
                form.add_error("file", str(error))
            else:
                return redirect("imports:import-preview", slug=club.slug, job_id=job.pk)
    context = {"club": club, "form": form, "jobs": selectors.import_jobs_recent(club=club)}
    return render(request, "imports/import_start.html", context)


@require_GET
@leaders_only
def import_template(request, club):
    return csv_response(rows=[formats.TEMPLATE_HEADER, formats.TEMPLATE_EXAMPLE], filename="members-template.csv")


@require_http_methods(["GET", "POST"])
@leaders_only
def import_preview(request, club, job_id):
    job = selectors.import_job_for_club(club=club, job_id=job_id)
    if job is None:
        raise Http404
    initial = ImportMappingForm.initial_for(source_format=job.source_format, mapping=job.mapping)
    form = ImportMappingForm(request.POST or None, headers=job.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_remap(job=job, source_format=form.cleaned_data["source_format"], mapping=form.mapping())
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The file was read again with these columns."))
        return redirect("imports:import-preview", slug=club.slug, job_id=job.pk)
    page = Paginator(selectors.import_rows(job=job), PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "club": club,
        "job": job,
        "form": form,
        "page": page,
        "counts": selectors.import_outcome_counts(job=job),
        "is_preview": job.status == ImportStatus.PREVIEW,
    }
    return render(request, "imports/import_preview.html", context)


@require_POST
@leaders_only
def import_confirm(request, club, job_id):
    job = selectors.import_job_for_club(club=club, job_id=job_id)
    if job is None:
        raise Http404
    if job.status != ImportStatus.PREVIEW:
        messages.info(request, _("This import is done already; nothing was changed."))
        return redirect("imports:import-preview", slug=club.slug, job_id=job.pk)
    if services.import_confirm_request(job=job, actor=request.user):
        messages.success(request, _("The import has started. Refresh this page in a minute to see each row's result."))
    else:
        messages.info(request, _("This import is done already; nothing was changed."))
    return redirect("imports:import-preview", slug=club.slug, job_id=job.pk)


@require_GET
@leaders_only
def member_export(request, club):
    filename = f"{club.slug}-members-{timezone.localdate().isoformat()}.csv"
    return csv_response(rows=selectors.member_export_rows(club=club), filename=filename)


@require_http_methods(["GET", "POST"])
@never_cache
def invitation_accept(request, token):
    """The link of an invitation: a new member sets a password and is signed in; others are sent to log in."""
    try:
        user, club = services.invitation_read(token=token)
    except DomainError as error:
        return render(request, "imports/invitation_accept.html", {"error": str(error)})
    if user.has_usable_password():
        messages.info(request, _("You have an account already: log in with your email and password."))
        return redirect(f"{reverse('account_login')}?next={club.get_absolute_url()}")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(club)s: your password is set.") % {"club": club.local_name})
        return redirect(reverse("clubs:club-home", args=[club.slug]))
    return render(request, "imports/invitation_accept.html", {"form": form, "club": club, "invited": user})
