"""Offer pages. Thin: read with selectors, write with services, turn domain errors into messages."""

import base64

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clubs import page_cache
from clubs.decorators import leaders_only, member_area
from clubs.emails import preview_languages
from clubs.models import Club
from clubs.permissions import club_viewer
from core import email_preview
from core.confirm import after_delete, confirm_delete_page, delete_confirmed
from core.emails import EmailSuppressed
from core.ratelimit import rate_limit
from core.tokens import BadToken, token_read
from members.images import image_response
from members.models import User
from offers import selectors
from offers.emails import CLICK_PURPOSE, OPEN_PURPOSE, UNSUBSCRIBE_PURPOSE, offer_preview
from offers.exceptions import OffersError
from offers.forms import OfferForm
from offers.models import Offer, OfferDelivery, Redemption
from offers.services import posting, redemptions, sending, tracking

# A transparent 1x1 GIF, the smallest image every mail client loads.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


OFFERS_INVITATION = _lazy("Offers of %(club)s are for members. Join to see them.")


# --- Members -------------------------------------------------------------------------------------


@member_area(invitation=OFFERS_INVITATION)
def offer_list(request, club, viewer):
    def render_page():
        page = selectors.offer_page_for_member(club=club, user=request.user, page_number=request.GET.get("page"))
        return render(request, "offers/offer_list.html", {"club": club, "page": page, "is_leader": viewer.is_leader})

    # Kept per viewer until the club's offers or redemptions change (clubs/page_cache.py, core/pagecache.py).
    return page_cache.member_page(
        request, club=club, viewer=viewer, page="offer-list", sections=page_cache.OFFERS_SECTIONS, render=render_page
    )


def _visible_offer(request, club, viewer, pk) -> Offer:
    offer = selectors.offer_get_for_member(club=club, pk=pk, user=request.user)
    if not offer.is_visible_to_members() and not viewer.is_leader:
        raise Http404
    return offer


@member_area(invitation=OFFERS_INVITATION)
def offer_detail(request, club, viewer, pk):
    offer = _visible_offer(request, club, viewer, pk)
    context = {"club": club, "offer": offer, "is_leader": viewer.is_leader, "may_redeem": viewer.has_member_access}
    return render(request, "offers/offer_detail.html", context)


def offer_image(request, slug, pk):
    """Offer images are member content: served only to those who may enter the member area, and only
    once the offer is published and has started (leaders see theirs before), always as an image (members/images.py)."""
    club = request.club
    viewer = club_viewer(user=request.user, club=club)
    if not viewer.may_enter_member_area:
        raise Http404
    offer = get_object_or_404(Offer, club=club, pk=pk)
    if not offer.image or (not offer.is_visible_to_members() and not viewer.is_leader):
        raise Http404
    return image_response(offer.image, download_name=f"offer-{offer.pk}", private=True)


@require_POST
@member_area(invitation=OFFERS_INVITATION)
def offer_redeem(request, club, viewer, pk):
    offer = _visible_offer(request, club, viewer, pk)
    try:
        url = redemptions.redemption_checkout_start(
            offer=offer,
            user=request.user,
            success_url=request.build_absolute_uri(reverse("offers:redemption-success", args=[club.slug, offer.pk])),
            cancel_url=request.build_absolute_uri(offer.get_absolute_url()),
        )
    except OffersError as error:
        messages.error(request, str(error))
        return redirect(offer.get_absolute_url())
    return redirect(url)


@member_area(invitation=OFFERS_INVITATION)
def redemption_success(request, club, viewer, pk):
    """The sale is recorded by the webhook: this page waits for it (htmx polling, or a refresh without JS)."""
    offer = _visible_offer(request, club, viewer, pk)
    redemption = Redemption.objects.filter(offer=offer, user=request.user).order_by("-created_at", "-pk").first()
    template = "offers/_redemption_status.html" if request.htmx else "offers/redemption_success.html"
    response = render(request, template, {"club": club, "offer": offer, "redemption": redemption})
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_area(invitation=OFFERS_INVITATION)
def my_redemptions(request, club, viewer):
    redeemed = selectors.redemptions_for_member(club=club, user=request.user)
    return render(request, "offers/my_redemptions.html", {"club": club, "redemptions": redeemed})


# --- Leaders -------------------------------------------------------------------------------------


@leaders_only
def offer_manage(request, club):
    return render(
        request, "offers/offer_manage.html", {"club": club, "offers": selectors.offer_list_for_leader(club=club)}
    )


def _offer_form(request, club, offer: Offer | None):
    with timezone.override(club.time_zone):
        form = OfferForm(request.POST or None, request.FILES or None, instance=offer, club=club)
        if request.method == "POST" and form.is_valid():
            data = {name: value for name, value in form.cleaned_data.items() if name != "image_upload"}
            image = form.cleaned_data.get("image_upload")
            try:
                if offer is None:
                    offer = posting.offer_create(club=club, actor=request.user, data=data, image=image)
                    if offer.is_published():
                        messages.success(request, _("Offer posted. Send it to members when you are ready."))
                    elif offer.publish_at is None:
                        messages.success(request, _("Draft saved: members see it once you set when to publish it."))
                    else:
                        messages.success(request, _("Offer scheduled: members see it from the publish time."))
                else:
                    offer = posting.offer_update(offer=offer, data=data, image=image)
                    messages.success(request, _("Offer saved."))
            except OffersError as error:
                form.add_error(None, str(error))
            else:
                return redirect("offers:offer-manage", slug=club.slug)
        return render(request, "offers/offer_form.html", {"club": club, "form": form, "offer": offer})


@leaders_only
@require_http_methods(["GET", "POST"])
def offer_create(request, club):
    return _offer_form(request, club, None)


@leaders_only
@require_http_methods(["GET", "POST"])
def offer_edit(request, club, pk):
    return _offer_form(request, club, selectors.offer_get_for_leader(club=club, pk=pk))


@leaders_only
@require_http_methods(["GET", "POST"])
def offer_delete(request, club, pk):
    """GET or an unconfirmed POST asks first (core/confirm.py); a confirmed POST deletes."""
    offer = selectors.offer_get_for_leader(club=club, pk=pk)
    manage_url = reverse("offers:offer-manage", args=[club.slug])
    if not delete_confirmed(request):
        return confirm_delete_page(
            request, question=_("Delete this offer?"), subject=offer.title, cancel_url=manage_url
        )
    try:
        posting.offer_delete(offer=offer)
    except OffersError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The offer was deleted."))
    return after_delete(request, manage_url)


@leaders_only
@require_http_methods(["GET", "POST"])
def offer_send(request, club, pk):
    """GET previews how many the send reaches and skips; POST confirms it."""
    offer = selectors.offer_get_for_leader(club=club, pk=pk)
    if request.method == "POST":
        try:
            sending.offer_send_start(offer=offer, actor=request.user)
        except OffersError as error:
            messages.error(request, str(error))
            return redirect("offers:offer-send", slug=club.slug, pk=offer.pk)
        messages.success(request, _("Sending started."))
        return redirect("offers:offer-progress", slug=club.slug, pk=offer.pk)
    preview = selectors.offer_send_preview(offer=offer)
    context = {"club": club, "offer": offer, "preview": preview, "emails": _offer_previews(offer, request.user)}
    return render(request, "offers/offer_send.html", context)


def _offer_previews(offer, leader) -> list[dict]:
    """The email in each language the club's members use: subject and text here, the HTML in a sandboxed frame."""
    names = dict(settings.LANGUAGES)
    previews = []
    for language in preview_languages(offer.club):
        message = offer_preview(offer=offer, leader=leader, language=language)
        previews.append(
            {
                "language": language,
                "language_name": names[language],
                "subject": message.subject,
                "text": email_preview.part(message, "text/plain"),
            }
        )
    return previews


@leaders_only
@require_GET
@never_cache
def offer_preview_frame(request, club, pk, language):
    """The offer email's HTML part alone, served with a sandboxing CSP, for the send page's frame."""
    offer = selectors.offer_get_for_leader(club=club, pk=pk)
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return email_preview.html_response(offer_preview(offer=offer, leader=request.user, language=language))


@require_POST
@leaders_only
@rate_limit(action="offer-test-email", rate=email_preview.TEST_SEND_RATE)
def offer_test(request, club, pk):
    """Send the leader the offer email as a test (subject marked), in the chosen language."""
    offer = selectors.offer_get_for_leader(club=club, pk=pk)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose one of the languages shown."))
        return redirect("offers:offer-send", slug=club.slug, pk=offer.pk)
    try:
        email_preview.send_test_copy(
            offer_preview(offer=offer, leader=request.user, language=language), language=language
        )
    except EmailSuppressed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("A test email is on its way to %(email)s.") % {"email": request.user.email})
    return redirect("offers:offer-send", slug=club.slug, pk=offer.pk)


@leaders_only
@never_cache
def offer_progress(request, club, pk):
    offer = selectors.offer_get_for_leader(club=club, pk=pk)
    context = {"club": club, "offer": offer, "results": selectors.offer_results(offer=offer)}
    template = "offers/_progress.html" if request.htmx else "offers/offer_progress.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Links in emails (no login, signed tokens) ---------------------------------------------------


def _link_invalid(request, status: int):
    return render(request, "offers/link_invalid.html", status=status)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" without cookies or a CSRF token
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request, token):
    """GET only asks (link scanners follow GETs); POST unsubscribes, from a mail client or our button."""
    try:
        club_id, user_id = token_read(token, purpose=UNSUBSCRIBE_PURPOSE, shape=(int, int))
    except BadToken:
        return _link_invalid(request, 400)
    club = Club.objects.filter(pk=club_id).first()
    user = User.objects.filter(pk=user_id).first()
    if club is None or user is None:
        return _link_invalid(request, 404)
    context = {"club": club, "token": token}
    if request.method == "POST":
        tracking.offer_unsubscribe(club=club, user=user)
        return render(request, "offers/unsubscribe_done.html", context)
    return render(request, "offers/unsubscribe.html", context)


def _delivery_from(token: str, purpose: str) -> int:
    try:
        (delivery_id,) = token_read(token, purpose=purpose, shape=(int,), legacy_id=True)
    except BadToken as exc:
        raise Http404 from exc
    return delivery_id


@require_GET
@never_cache
def email_open(request, token):
    tracking.delivery_opened(delivery_id=_delivery_from(token, OPEN_PURPOSE))
    return HttpResponse(PIXEL_GIF, content_type="image/gif")


@require_GET
def email_click(request, token):
    """Goes only to the offer's own page on this site: the token names a delivery, never a URL."""
    delivery = get_object_or_404(
        OfferDelivery.objects.select_related("offer__club"), pk=_delivery_from(token, CLICK_PURPOSE)
    )
    tracking.delivery_clicked(delivery_id=delivery.pk)
    return redirect(delivery.offer.get_absolute_url())
