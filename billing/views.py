"""Member billing pages. Stripe is the truth: pages read the mirror, actions go through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import hooks
from billing.exceptions import BillingError
from billing.selectors import member_billing
from billing.services import subscriptions as subscription_services
from clubs import selectors as club_selectors
from clubs.consent import consent_set
from clubs.membership_pause import memberships_with_pause
from clubs.models import ConsentPurpose, ConsentSource, Membership, Plan
from clubs.permissions import club_viewer
from clubs.pricing import plan_pricing
from clubs.services import membership_request
from core.exceptions import DomainError


def _own_membership(request, slug) -> Membership:
    """The signed-in member's membership of this club, or 404 (no billing page without one).

    It carries its pause (``is_paused_now``, ``paused_until``) for the status badge, in the same query.
    """
    club = request.club
    membership = memberships_with_pause(
        Membership.objects.select_related("club", "plan").filter(user=request.user, club=club)
    ).first()
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
    """Send the member to Stripe Checkout (or the dev stand-in); used by Join and 'Complete payment'.

    An app above billing may give the checkout a one-time coupon (``billing/hooks.py``): automations turns
    a referral link or a comeback offer remembered in the session into one.
    """
    try:
        url = subscription_services.checkout_session_start(
            membership=membership,
            success_url=request.build_absolute_uri(reverse("billing:checkout-success", args=[membership.club.slug])),
            cancel_url=request.build_absolute_uri(reverse("billing:checkout-cancel", args=[membership.club.slug])),
            coupon_id=hooks.checkout_coupon(membership=membership, session=request.session),
        )
    except DomainError as error:
        messages.error(request, _("Payment could not start: %(error)s") % {"error": error})
        return redirect(membership.club.get_absolute_url())
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def club_join(request, slug, plan_id):
    """Join a club on a plan: the membership is requested (clubs), then payment decides access (billing)."""
    club = club_selectors.club_with_active_plans(club=request.club)
    plan = get_object_or_404(Plan, pk=plan_id, club=club, is_active=True)
    if club_viewer(user=request.user, club=club).has_member_access:
        messages.info(request, _("You are already a member of %(club)s.") % {"club": club.local_name})
        return redirect("clubs:club-home", slug=club.slug)
    if request.method == "POST":
        try:
            membership = membership_request(user=request.user, club=club, plan=plan)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(club.get_absolute_url())
        for purpose in ConsentPurpose.values:  # the join page's optional, unticked boxes (clubs.consent)
            if request.POST.get(f"consent_{purpose}") == "yes":
                consent_set(user=request.user, club=club, purpose=purpose, given=True, source=ConsentSource.CHECKOUT)
        # Payment decides access: the member goes to Stripe Checkout.
        return start_checkout(request, membership)
    pricing = next(item for item in plan_pricing(club.active_plans) if item.plan.pk == plan.pk)
    return render(request, "clubs/club_join.html", {"club": club, "plan": plan, "price": pricing})


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
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success_message)
    return redirect("billing:club-billing", slug=slug)


@login_required
@require_POST
def subscription_cancel(request, slug):
    if request.POST.get("ask_why"):
        # The billing page's button: an app above billing may ask why first (automations' save offer).
        ask_first = hooks.cancel_flow_url(membership=_own_membership(request, slug))
        if ask_first:
            return redirect(ask_first)
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
@require_http_methods(["GET", "POST"])
def plan_switch(request, slug, plan_id):
    """GET: the prorated figure and its credit, signed; POST: switch at that signed moment, never a posted date.

    A refused confirmation (an old, forged or another member's preview) shows a fresh preview to confirm.
    """
    membership = _own_membership(request, slug)
    plan = get_object_or_404(Plan, pk=plan_id, club=membership.club, is_active=True)
    if request.method == "POST":
        try:
            subscription_services.subscription_switch_plan(
                membership=membership, plan=plan, preview_token=request.POST.get("preview", "")
            )
        except BillingError as error:
            messages.error(request, str(error))
            return redirect("billing:plan-switch", slug=slug, plan_id=plan.pk)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("billing:club-billing", slug=slug)
        messages.success(request, _("You are now on the %(plan)s plan.") % {"plan": plan.local_name})
        return redirect("billing:club-billing", slug=slug)
    try:
        preview = subscription_services.subscription_switch_preview(membership=membership, plan=plan)
    except DomainError as error:
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
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("billing:club-billing", slug=slug)
    return redirect(url)
