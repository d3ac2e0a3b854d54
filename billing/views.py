"""Member billing pages. Stripe is the truth: pages read the mirror, actions go through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import gateway
from billing.demo import demo_checkout_complete, demo_checkout_session
from billing.exceptions import BillingError
from billing.selectors import member_billing
from billing.services import subscriptions as subscription_services
from clubs import selectors as club_selectors
from clubs.models import Membership, Plan
from clubs.pricing import plan_pricing

BILLING_ERRORS = (BillingError, gateway.GatewayError)


def _own_membership(request, slug) -> Membership:
    """The signed-in member's membership of this club, or 404 (no billing page without one)."""
    club = club_selectors.club_get_by_slug(slug=slug)
    membership = Membership.objects.select_related("club", "plan").filter(user=request.user, club=club).first()
    if membership is None:
        raise Http404
    return membership


def _billing_url(request, membership: Membership) -> str:
    return request.build_absolute_uri(reverse("billing:club-billing", args=[membership.club.slug]))


@login_required
def club_billing(request, slug):
    membership = _own_membership(request, slug)
    billing = member_billing(membership=membership)
    other_plans = [
        item
        for item in plan_pricing(list(membership.club.plans.filter(is_active=True).order_by("order", "pk")))
        if billing.subscription is None or item.plan.pk != billing.subscription.plan_id
    ]
    return render(
        request, "billing/club_billing.html", {"billing": billing, "club": membership.club, "other_plans": other_plans}
    )


def start_checkout(request, membership: Membership):
    """Send the member to Stripe Checkout (or the demo checkout); used by Join and 'Complete payment'.

    A referral link or a comeback offer remembered in the session becomes a one-time coupon (automations).
    """
    from automations.services.referrals import checkout_coupon_for

    try:
        url = subscription_services.checkout_session_start(
            membership=membership,
            success_url=request.build_absolute_uri(reverse("billing:checkout-success", args=[membership.club.slug])),
            cancel_url=request.build_absolute_uri(reverse("billing:checkout-cancel", args=[membership.club.slug])),
            coupon_id=checkout_coupon_for(membership=membership, session=request.session),
        )
    except BILLING_ERRORS as error:
        messages.error(request, _("Payment could not start: %(error)s") % {"error": error})
        return redirect(membership.club.get_absolute_url())
    return redirect(url)


@login_required
@require_POST
def checkout_start(request, slug):
    return start_checkout(request, _own_membership(request, slug))


@login_required
def checkout_success(request, slug):
    """Access follows the webhook: this page waits (htmx polling) until the membership is active."""
    membership = _own_membership(request, slug)
    has_access = club_selectors.membership_has_access(membership=membership)
    template = "billing/_checkout_status.html" if request.htmx else "billing/checkout_success.html"
    return render(request, template, {"membership": membership, "club": membership.club, "has_access": has_access})


@login_required
def checkout_cancel(request, slug):
    membership = _own_membership(request, slug)
    return render(request, "billing/checkout_cancel.html", {"membership": membership, "club": membership.club})


def _member_action(request, slug, action, success_message: str):
    membership = _own_membership(request, slug)
    try:
        action(membership=membership)
    except BILLING_ERRORS as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success_message)
    return redirect("billing:club-billing", slug=slug)


@login_required
@require_POST
def subscription_cancel(request, slug):
    if request.POST.get("ask_why"):
        # The billing page's button: first ask why, and show the club's save offer (automations).
        return redirect("automations:cancel-membership", slug=slug)
    return _member_action(
        request,
        slug,
        subscription_services.subscription_cancel_at_period_end,
        _("Your membership will end at the end of the current period. You can resume it until then."),
    )


@login_required
@require_POST
def subscription_resume(request, slug):
    return _member_action(
        request, slug, subscription_services.subscription_resume, _("Welcome back: your membership will renew.")
    )


@login_required
def plan_switch(request, slug, plan_id):
    membership = _own_membership(request, slug)
    plan = get_object_or_404(Plan, pk=plan_id, club=membership.club, is_active=True)
    try:
        if request.method == "POST":
            proration_date = request.POST.get("proration_date", "")
            subscription_services.subscription_switch_plan(
                membership=membership,
                plan=plan,
                proration_date=int(proration_date) if proration_date.isdigit() else None,
            )
            messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": plan.name})
            return redirect("billing:club-billing", slug=slug)
        preview = subscription_services.subscription_switch_preview(membership=membership, plan=plan)
    except BILLING_ERRORS as error:
        messages.error(request, str(error))
        return redirect("billing:club-billing", slug=slug)
    pricing = next(
        item for item in plan_pricing(list(membership.club.plans.filter(is_active=True))) if item.plan.pk == plan.pk
    )
    return render(
        request,
        "billing/plan_switch.html",
        {"club": membership.club, "membership": membership, "preview": preview, "price": pricing},
    )


@login_required
@require_POST
def billing_portal(request, slug):
    membership = _own_membership(request, slug)
    try:
        url = subscription_services.billing_portal_url(
            membership=membership,
            return_url=_billing_url(request, membership),
            update_card=request.POST.get("flow") == "update_card",
        )
    except BILLING_ERRORS as error:
        messages.error(request, str(error))
        return redirect("billing:club-billing", slug=slug)
    return redirect(url)


def _demo_only():
    if not gateway.demo_mode():
        raise Http404  # refused whenever DEBUG is off or a real Stripe key is set


@login_required
def demo_checkout(request, session_id):
    """A clearly labelled stand-in for Stripe Checkout; confirming it emits Stripe's events."""
    _demo_only()
    try:
        session = demo_checkout_session(session_id)
    except BillingError as error:
        raise Http404 from error
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
    return render(request, "billing/demo_checkout.html", context)


def _demo_payment_checkout(request, session: dict):
    """A one-time payment (a member offer): only the member who opened it may confirm it."""
    from offers.models import Redemption

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
    return render(request, "offers/demo_checkout.html", context)
