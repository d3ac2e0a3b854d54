"""Pausing a membership, and buying and redeeming gift memberships. Thin: form -> service -> message/redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.growth_forms import GiftForm, PauseForm
from billing.services import gifts as gift_services
from billing.services import pause as pause_services
from clubs.models import Membership
from core.exceptions import DomainError
from core.formatting import format_date
from core.ratelimit import rate_limit


def _own_membership(request) -> Membership:
    membership = Membership.objects.select_related("club", "plan").filter(user=request.user, club=request.club).first()
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def subscription_pause(request, slug):
    """Pause for one of the lengths the club offers (from the billing page or the cancel flow)."""
    membership = _own_membership(request)
    form = PauseForm(request.POST, months=pause_services.club_billing_settings(club=membership.club).pause_months)
    if not form.is_valid():
        messages.error(request, _("Please choose one of the pause lengths the club offers."))
        return redirect("billing:club-billing", slug=slug)
    try:
        subscription = pause_services.subscription_pause(membership=membership, months=form.cleaned_data["months"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Your membership is paused. Payments resume by themselves on %(date)s.")
            % {"date": format_date(subscription.pause_resumes_at)},
        )
    return redirect("billing:club-billing", slug=slug)


@login_required
@require_POST
def subscription_unpause(request, slug):
    try:
        pause_services.subscription_unpause(membership=_own_membership(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Welcome back: your membership is running again."))
    return redirect("billing:club-billing", slug=slug)


@require_http_methods(["GET", "POST"])
@rate_limit(action="gift_checkout", key="ip", rate="10/h")
def gift_buy(request, slug):
    """Anyone, signed in or not, buys months of the club for someone else (Stripe Checkout)."""
    club = request.club
    prices = gift_services.gift_prices(club=club)
    if not prices:
        raise Http404
    initial = {"buyer_email": request.user.email} if request.user.is_authenticated else {}
    form = GiftForm(request.POST or None, prices=prices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            url = gift_services.gift_checkout_start(
                club=club,
                months=data["months"],
                buyer_email=data["buyer_email"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                buyer=request.user if request.user.is_authenticated else None,
                success_url=request.build_absolute_uri(reverse("billing:gift-thanks", args=[club.slug])),
                cancel_url=request.build_absolute_uri(reverse("billing:gift-buy", args=[club.slug])),
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return redirect(url)
    return render(request, "billing/gift_buy.html", {"club": club, "form": form})


def gift_thanks(request, slug):
    return render(request, "billing/gift_thanks.html", {"club": request.club})


@login_required
@require_http_methods(["GET", "POST"])
def gift_redeem(request, token):
    """The link in the recipient's email: whoever holds it and is signed in redeems the gift, once."""
    gift = gift_services.gift_for_token(token=token)
    if gift is None:
        raise Http404
    if request.method == "POST":
        try:
            gift = gift_services.gift_redeem(gift=gift, user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("billing:gift-redeem", token=token)
        messages.success(
            request,
            _("Enjoy %(club)s: your gift gives you access until %(date)s.")
            % {"club": gift.club.local_name, "date": format_date(gift.access_until)},
        )
        return redirect("clubs:club-home", slug=gift.club.slug)
    return render(request, "billing/gift_redeem.html", {"gift": gift, "club": gift.club})
