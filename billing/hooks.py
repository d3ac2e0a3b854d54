"""What apps above billing add to its journeys, registered in their ``AppConfig.ready()``.

billing owns checkout and cancelling; an app above it may give a checkout a coupon (automations: a
friend's referral, a comeback offer) or ask members why before they cancel (automations' save offer).
billing calls what is registered here and never imports those apps.
"""

from collections.abc import Callable

from django.contrib.sessions.backends.base import SessionBase

from clubs.models import Membership

CheckoutCoupon = Callable[..., str]
CancelFlow = Callable[..., str]

_checkout_coupons: list[CheckoutCoupon] = []
_cancel_flows: list[CancelFlow] = []


def register_checkout_coupon(provider: CheckoutCoupon) -> CheckoutCoupon:
    """``provider(membership=, session=) -> str``: a Stripe coupon id for this checkout, '' for none."""
    if provider not in _checkout_coupons:
        _checkout_coupons.append(provider)
    return provider


def register_cancel_flow(provider: CancelFlow) -> CancelFlow:
    """``provider(membership=) -> str``: the URL that asks before cancelling, '' to cancel directly."""
    if provider not in _cancel_flows:
        _cancel_flows.append(provider)
    return provider


def checkout_coupon(*, membership: Membership, session: SessionBase) -> str:
    """The first coupon a registered provider offers for this checkout ('' for none)."""
    for provider in _checkout_coupons:
        coupon = provider(membership=membership, session=session)
        if coupon:
            return coupon
    return ""


def cancel_flow_url(*, membership: Membership) -> str:
    """Where a member who asked to cancel goes first ('' when no app asks anything)."""
    for provider in _cancel_flows:
        url = provider(membership=membership)
        if url:
            return url
    return ""
