"""The demo checkout: a clearly labelled stand-in for Stripe Checkout, answering only in demo mode."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from billing.exceptions import BillingError
from clubs.models import Membership
from devtools.demo.checkout import demo_checkout_complete, demo_checkout_session, demo_mode
from offers.models import Redemption


def _demo_only():
    if not demo_mode():
        raise Http404  # refused whenever DEBUG is off or a real Stripe key is set


@login_required
def demo_checkout(request, session_id):
    """A clearly labelled stand-in for Stripe Checkout; confirming it emits Stripe's events."""
    _demo_only()
    try:
        session = demo_checkout_session(session_id)
    except BillingError as error:
        raise Http404 from error
    if session.get("mode") == "payment" and (session.get("metadata") or {}).get("gift") == "1":
        return _demo_gift_checkout(request, session)  # a gift membership: anyone may pay (billing/services/gifts.py)
    if session.get("mode") == "payment":
        return _demo_payment_checkout(request, session)
    membership_id = (session.get("metadata") or {}).get("membership_id", "")
    membership = get_object_or_404(
        Membership.objects.select_related("club", "plan"), pk=int(membership_id or 0), user=request.user
    )
    if request.method == "POST":
        try:
            return redirect(demo_checkout_complete(session_id))
        except BillingError as error:
            messages.error(request, str(error))
            return redirect("billing:club-billing", slug=membership.club.slug)
    context = {"session": session, "membership": membership, "club": membership.club}
    return render(request, "devtools/demo_checkout.html", context)


def _demo_payment_checkout(request, session: dict):
    """A one-time payment (a member offer): only the member who opened it may confirm it."""
    redemption_id = (session.get("metadata") or {}).get("offer_redemption_id", "")
    redemption = get_object_or_404(
        Redemption.objects.select_related("offer__club"),
        pk=int(redemption_id) if redemption_id.isdigit() else 0,
        user=request.user,
    )
    if request.method == "POST":
        try:
            return redirect(demo_checkout_complete(session["id"]))
        except BillingError as error:
            messages.error(request, str(error))
            return redirect(redemption.offer.get_absolute_url())
    context = {"session": session, "redemption": redemption, "offer": redemption.offer, "club": redemption.offer.club}
    return render(request, "devtools/demo_checkout_offer.html", context)


def _demo_gift_checkout(request, session: dict):
    """A gift membership's one payment: like Stripe Checkout, anyone holding the session may pay it."""
    if request.method == "POST":
        try:
            return redirect(demo_checkout_complete(session["id"]))
        except BillingError as error:
            messages.error(request, str(error))
            return redirect(session["cancel_url"])
    return render(request, "devtools/demo_checkout_gift.html", {"session": session})
