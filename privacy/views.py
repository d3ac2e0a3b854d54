"""The member's privacy page: their consents per club, a copy of their data, and erasing the account. Thin views."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clubs.consent import consent_set
from clubs.exceptions import ClubsError
from clubs.models import Club, ConsentPurpose, ConsentSource, ConsentStatus
from core.ratelimit import rate_limit
from core.tokens import BadToken, token_read
from privacy import selectors
from privacy.exceptions import PrivacyError
from privacy.forms import ErasureForm
from privacy.models import DataExport, ExportStatus
from privacy.services import erasure
from privacy.services import export as export_services


def _owner_download_path(export: DataExport) -> str:
    """The same signed link the email carries, for a ready export not yet expired; empty otherwise.

    The privacy page is the owner's own (login required, their exports only), and export_download checks the
    owner again, so showing the link here opens nothing the email would not."""
    if export.status != ExportStatus.READY or not export.file or export.is_expired():
        return ""
    return export_services.download_path(export=export)


@login_required
def privacy_home(request):
    context = {
        "clubs": selectors.consent_rows(user=request.user),
        "exports": [
            {
                "export": export,
                "download_path": _owner_download_path(export),
                # Past its date the link opens nothing, even before the cleanup has marked the row expired.
                "status_label": ExportStatus.EXPIRED.label if export.is_expired() else export.get_status_display(),
            }
            for export in selectors.recent_exports(user=request.user)
        ],
        "export_days": export_services.export_days(),
    }
    return render(request, "privacy/privacy_home.html", context)


@login_required
@require_POST
@rate_limit(action="privacy-consent", key="user", rate="30/m")
def consent_update(request, club_id, purpose):
    """Give or withdraw one consent: the same one click either way (source: the privacy page)."""
    club = Club.objects.filter(pk=club_id, memberships__user=request.user).first()
    if club is None or purpose not in ConsentPurpose.values:
        raise Http404
    given = request.POST.get("given") == "yes"
    try:
        consent = consent_set(user=request.user, club=club, purpose=purpose, given=given, source=ConsentSource.PROFILE)
    except ClubsError as error:
        messages.error(request, str(error))
        return redirect("privacy:home")
    if not given:
        messages.success(
            request, _("Withdrawn: %(club)s sends you no more of these emails.") % {"club": club.local_name}
        )
    elif consent.status == ConsentStatus.PENDING:
        messages.success(request, _("Almost done: confirm with the link we just emailed you."))
    else:
        messages.success(request, _("Thank you: %(club)s may send you these emails.") % {"club": club.local_name})
    return redirect("privacy:home")


@login_required
@require_POST
@rate_limit(action="privacy-export", key="user", rate="5/h")
def export_request(request):
    export_services.data_export_request(user=request.user)
    messages.success(request, _("We are preparing your data and will email you a download link when it is ready."))
    return redirect("privacy:home")


@login_required
@never_cache
def export_download(request, token):
    """The emailed link: signed and time-limited, and only for the signed-in owner (anyone else gets 404)."""
    try:
        export_id, user_id = token_read(
            token,
            purpose=export_services.DOWNLOAD_PURPOSE,
            shape=(int, int),
            max_age=export_services.download_max_age(),
        )
    except BadToken:
        return render(
            request,
            "privacy/export_unavailable.html",
            {
                "reason": _(
                    "This download link has expired or is not valid. You can ask for a new export on your privacy page."
                )
            },
            status=410,
        )
    if user_id != request.user.pk:
        raise Http404
    try:
        data_export = export_services.data_export_for_download(export_id=export_id, user=request.user)
    except PrivacyError as error:
        return render(request, "privacy/export_unavailable.html", {"reason": str(error)}, status=410)
    filename = f"returnpath-data-{data_export.ready_at:%Y-%m-%d}.zip"
    return FileResponse(
        data_export.file.open("rb"), as_attachment=True, filename=filename, content_type="application/zip"
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(action="privacy-erase", key="user", rate="5/10m")
def account_erase(request):
    """Erasing one's own account: the password again, the choice about posts, and what is kept and why."""
    refusal = erasure.erasure_refusal(user=request.user)
    form = ErasureForm(request.POST or None, user=request.user)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            erasure.account_erase(user=request.user, actor=request.user, keep_posts=form.keep_posts)
        except PrivacyError as error:
            messages.error(request, str(error))
        else:
            logout(request)
            return redirect("privacy:erased")
    context = {"form": form, "refusal": refusal, "kept": erasure.kept_explanations()}
    return render(request, "privacy/account_erase.html", context)


def account_erased(request):
    return render(request, "privacy/account_erased.html", {"kept": erasure.kept_explanations()})
