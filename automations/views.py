"""Automation pages. Thin: read with selectors, write with services, turn domain errors into messages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from automations import selectors
from automations.exceptions import AutomationError
from automations.forms import AutomationSettingsForm, AutomationWordingForm, CancellationForm
from automations.models import AutomationKind, CancellationReason
from automations.services.cancellation import membership_cancel_with_feedback, save_offer_accept, save_offer_present
from automations.services.club_settings import automation_settings_update, automation_wording_save
from automations.services.delivery import CLICK_PURPOSE
from automations.services.preview import automation_preview, automation_test_send
from automations.services.referrals import referral_code_for, referral_link_remember, win_back_remember
from automations.services.tracking import click_record
from automations.wording import default_opening, default_subject
from billing.services.subscriptions import current_subscription
from clubs.decorators import member_area
from clubs.emails import preview_languages
from clubs.models import Club, Membership
from clubs.permissions import refuse, user_leads_club
from core import email_preview
from core.emails import EmailSuppressed
from core.exceptions import DomainError
from core.ratelimit import rate_limit
from core.redirects import is_site_path
from core.tokens import BadToken, token_read

INACTIVE_PAGE_SIZE = 50


def _led_club(request, slug) -> Club:
    club = request.club
    if not user_leads_club(user=request.user, club=club):
        refuse(request.user)
        raise Http404
    return club


@login_required
@require_http_methods(["GET", "POST"])
def automation_settings(request, slug):
    club = _led_club(request, slug)
    config = selectors.automation_settings_for(club=club)
    form = AutomationSettingsForm(request.POST or None, instance=config, club=club)
    if request.method == "POST" and form.is_valid():
        try:
            automation_settings_update(club=club, values=form.cleaned_data)
        except AutomationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Automation settings saved."))
            return redirect("automations:settings", slug=club.slug)
    context = {
        "club": club,
        "form": form,
        "stats": selectors.automation_stats(club=club, club_settings=config),
        "referrals": selectors.referral_stats_for_club(club=club),
        "top_referrers": selectors.top_referrers(club=club),
        "reasons": selectors.cancellation_reason_counts(clubs=[club]),
        "comments": selectors.cancellation_comments(club=club),
        "inactive_count": selectors.inactive_members(club=club).count(),
    }
    return render(request, "automations/automation_settings.html", context)


@login_required
def inactive_member_list(request, slug):
    club = _led_club(request, slug)
    page = Paginator(selectors.inactive_members(club=club), INACTIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    days = selectors.automation_settings_for(club=club).inactivity_days
    return render(request, "automations/inactive_member_list.html", {"club": club, "page": page, "days": days})


def email_click(request, token):
    """A link in an automation email: count the click, then go on (within this site only)."""
    try:
        send_id, path = token_read(token, purpose=CLICK_PURPOSE, shape=(int, str))
    except BadToken as error:
        raise Http404 from error
    # Only paths of this site: never another host, scheme or a protocol-relative //host.
    if not is_site_path(path):
        raise Http404
    send = click_record(send_id=send_id)
    if send is None:
        raise Http404
    if send.kind == AutomationKind.WIN_BACK:
        win_back_remember(session=request.session, send=send)
    return redirect(path)


def referral_landing(request, code):
    """A member's referral link: remember it for the checkout and show the club."""
    referral_code = selectors.referral_code_lookup(code=code)
    if referral_code is None:
        raise Http404
    club = referral_code.club
    try:
        referral_link_remember(session=request.session, code=referral_code, user=request.user)
    except AutomationError as error:
        messages.info(request, str(error))
    return redirect(club.get_absolute_url())


@member_area
def my_referrals(request, club, viewer):
    context = {
        "club": club,
        "code": referral_code_for(club=club, user=request.user),
        "stats": selectors.referral_stats_for_member(club=club, user=request.user),
        "config": selectors.automation_settings_for(club=club),
    }
    return render(request, "automations/my_referrals.html", context)


def _own_membership(request, slug) -> Membership:
    club = request.club
    membership = Membership.objects.select_related("club", "plan", "user").filter(user=request.user, club=club).first()
    if membership is None:
        raise Http404
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def cancel_membership(request, slug):
    """Cancelling asks why first, and shows the club's save offer once per billing period."""
    membership = _own_membership(request, slug)
    try:
        subscription = current_subscription(membership=membership)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("billing:club-billing", slug=slug)
    if subscription.cancel_at_period_end:
        messages.info(request, _("Your membership is already set to end."))
        return redirect("billing:club-billing", slug=slug)
    form = CancellationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_cancel_with_feedback(
                membership=membership, reasons=form.cleaned_data["reasons"], comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Your membership will end at the end of the current period. You can resume it until then.")
            )
        return redirect("billing:club-billing", slug=slug)
    save_offer = save_offer_present(membership=membership) if request.method == "GET" else None
    context = {
        "club": membership.club,
        "membership": membership,
        "subscription": subscription,
        "form": form,
        "save_offer": save_offer,
        "reasons": CancellationReason.choices,
    }
    return render(request, "automations/cancel_membership.html", context)


@login_required
@require_POST
def save_offer_take(request, slug):
    membership = _own_membership(request, slug)
    try:
        offer = save_offer_accept(membership=membership)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you for staying: your next period is %(percent)s%% off.") % {"percent": offer.percent_off},
        )
    return redirect("billing:club-billing", slug=slug)


# --- Leaders see before they send ------------------------------------------------------------------


def _kind_or_404(kind: str) -> str:
    if kind not in AutomationKind.values:
        raise Http404
    return kind


def _language_or_404(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def automation_preview_page(request, slug, kind):
    """The kind's email in each language the club's members use (subject, text, the HTML in a sandbox), and
    per language the club's own subject and opening paragraph (blank: the catalogs' text, shown as placeholder)."""
    club = _led_club(request, slug)
    kind = _kind_or_404(kind)
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        form = AutomationWordingForm(posted, kind=kind)
        if form.is_valid():
            try:
                automation_wording_save(club=club, kind=kind, actor=request.user, **form.cleaned_data)
            except AutomationError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Wording saved. The preview shows it."))
                return redirect("automations:automation-preview", slug=club.slug, kind=kind)
    wordings = selectors.automation_wordings_for(club=club, kind=kind)
    names = dict(settings.LANGUAGES)
    previews = []
    for language in preview_languages(club):
        message = automation_preview(club=club, leader=request.user, kind=kind, language=language)
        with translation.override(language):
            defaults = {"default_subject": default_subject(kind), "default_opening": default_opening(kind)}
        wording = wordings.get(language)
        if posted is not None and posted.get("language") == language:
            wording_form = AutomationWordingForm(posted, kind=kind, **defaults)
        else:
            initial = {
                "language": language,
                "subject": getattr(wording, "subject", ""),
                "opening": getattr(wording, "opening", ""),
            }
            wording_form = AutomationWordingForm(initial=initial, kind=kind, auto_id=f"id_{language}_%s", **defaults)
        previews.append(
            {
                "language": language,
                "language_name": names[language],
                "subject": message.subject,
                "text": email_preview.part(message, "text/plain"),
                "form": wording_form,
            }
        )
    context = {"club": club, "kind": kind, "kind_label": AutomationKind(kind).label, "previews": previews}
    return render(request, "automations/automation_preview.html", context)


@login_required
@require_safe
@never_cache
def automation_preview_frame(request, slug, kind, language):
    """The HTML part alone, served with a sandboxing CSP, for the frame of the preview page."""
    club = _led_club(request, slug)
    message = automation_preview(
        club=club, leader=request.user, kind=_kind_or_404(kind), language=_language_or_404(language)
    )
    return email_preview.html_response(message)


@login_required
@require_POST
@rate_limit(action="automation-test-email", rate=email_preview.TEST_SEND_RATE)
def automation_test(request, slug, kind):
    """Send the leader this kind's email as a test, in the chosen language."""
    club = _led_club(request, slug)
    kind = _kind_or_404(kind)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose one of the languages shown."))
        return redirect("automations:automation-preview", slug=club.slug, kind=kind)
    try:
        automation_test_send(club=club, leader=request.user, kind=kind, language=language)
    except EmailSuppressed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("A test email is on its way to %(email)s.") % {"email": request.user.email})
    return redirect("automations:automation-preview", slug=club.slug, kind=kind)
