"""Access-matrix rows for pausing and gift memberships (collected by tests/test_access_matrix.py).

Pausing is for one's own membership (404 for everyone else; without a running subscription it explains why and goes
back to the billing page). Anyone, signed in or not, may buy a gift; a redeem link needs a signed-in holder.
"""

from django.urls import reverse
from django.utils import timezone

from billing.models import Gift
from billing.services.gifts import gift_redeem_token
from tests.access import Page, billing_url, club_billing, everyone, own_membership_only, signed_in


def gift_redeem_url(club) -> str:
    gift = Gift.objects.create(
        club=club,
        months=1,
        amount_minor=500,
        currency="USD",
        buyer_email="giver@example.com",
        recipient_email="friend@example.com",
        stripe_checkout_session_id=f"cs_test_matrix_{club.pk}_{Gift.objects.count()}",
        paid_at=timezone.now(),
    )
    return reverse("billing:gift-redeem", args=[gift_redeem_token(gift=gift)])


PAGES = [
    Page("subscription-pause", billing_url("subscription-pause"), own_membership_only(club_billing), method="post"),
    Page("subscription-unpause", billing_url("subscription-unpause"), own_membership_only(club_billing), method="post"),
    Page("gift-buy", billing_url("gift-buy"), everyone(200)),
    # An empty form is invalid: the page again, with its errors, and nothing sent to Stripe.
    Page("gift-buy-post", billing_url("gift-buy"), everyone(200), method="post"),
    Page("gift-thanks", billing_url("gift-thanks"), everyone(200)),
    Page("gift-redeem", gift_redeem_url, signed_in(200)),
]
