"""Access-matrix rows for the offers app's URLs (collected by tests/test_access_matrix.py).

Member pages behave like the club's member area: log in first, and without access go to the club's page.
Leader pages answer 404 to everyone else. Links in emails ignore the session: only their signed token counts.
"""

import io

from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from core.tokens import token_make
from offers.emails import CLICK_PURPOSE, OPEN_PURPOSE, UNSUBSCRIBE_PURPOSE
from offers.models import DeliveryBatch, Offer, OfferDelivery, OfferSend
from tests.access import CHECKOUT, LOGIN, MFA_SETUP, Page, club_detail, everyone, signed_in
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

MEMBER_AREA = {
    "anonymous": LOGIN,
    "non_member": club_detail,
    "pending": club_detail,
    "lapsed": club_detail,
    "member": 200,
    "other_leader": club_detail,
    "leader": 200,
    "staff": 200,
    "staff_without_mfa": MFA_SETUP,
}
LEADERS = {**signed_in(404), "leader": 200, "staff": 200, "staff_without_mfa": MFA_SETUP}


def the_offer(club) -> str:
    return Offer.objects.get(club=club).get_absolute_url()


def offer_url(name: str):
    return lambda club: reverse(f"offers:{name}", args=[club.slug, OfferFactory(club=club).pk])


def club_url(name: str):
    return lambda club: reverse(f"offers:{name}", args=[club.slug])


def image_url(club) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    offer = OfferFactory(club=club)
    offer.image.save("offer.png", ContentFile(buffer.getvalue()))
    return reverse("offers:offer-image", args=[club.slug, offer.pk])


def _delivery(club) -> OfferDelivery:
    offer = OfferFactory(club=club)
    user = UserFactory()
    MembershipFactory(user=user, club=club, plan=club.plans.first())
    batch = DeliveryBatch.objects.create(send=OfferSend.objects.create(offer=offer))
    return OfferDelivery.objects.create(offer=offer, club=club, user=user, batch=batch)


def unsubscribe_url(club) -> str:
    delivery = _delivery(club)
    return reverse(
        "offers:unsubscribe", args=[token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[club.pk, delivery.user_id])]
    )


def open_url(club) -> str:
    return reverse("offers:email-open", args=[token_make(purpose=OPEN_PURPOSE, parts=[_delivery(club).pk])])


def click_url(club) -> str:
    return reverse("offers:email-click", args=[token_make(purpose=CLICK_PURPOSE, parts=[_delivery(club).pk])])


def progress(club) -> str:
    return reverse("offers:offer-progress", args=[club.slug, Offer.objects.get(club=club).pk])


PAGES = [
    Page("offer-list", club_url("offer-list"), MEMBER_AREA),
    Page("my-redemptions", club_url("my-redemptions"), MEMBER_AREA),
    Page("offer-detail", offer_url("offer-detail"), MEMBER_AREA),
    Page("redemption-success", offer_url("redemption-success"), MEMBER_AREA),
    # Member-only media: without access the image does not exist.
    Page("offer-image", image_url, {**everyone(404), "member": 200, "leader": 200, "staff": 200}),
    # Members go to (demo) Checkout; leaders and staff without a membership are told why, on the offer.
    Page(
        "offer-redeem",
        offer_url("offer-redeem"),
        {**MEMBER_AREA, "member": CHECKOUT, "leader": the_offer, "staff": the_offer},
        method="post",
    ),
    Page("offer-manage", club_url("offer-manage"), LEADERS),
    Page("offer-create", club_url("offer-create"), LEADERS),
    Page("offer-edit", offer_url("offer-edit"), LEADERS),
    Page("offer-delete", offer_url("offer-delete"), LEADERS),
    # A POST without confirm=yes (a form without JavaScript) asks first: the confirm page.
    Page("offer-delete-post", offer_url("offer-delete"), LEADERS, method="post"),
    Page("offer-send", offer_url("offer-send"), LEADERS),
    Page("offer-send-post", offer_url("offer-send"), {**LEADERS, "leader": progress, "staff": progress}, method="post"),
    Page("offer-progress", offer_url("offer-progress"), LEADERS),
    Page("unsubscribe", unsubscribe_url, everyone(200)),
    Page("unsubscribe-post", unsubscribe_url, everyone(200), method="post"),
    Page("email-open", open_url, everyone(200)),
    Page("email-click", click_url, everyone(the_offer)),
]


def _send_page(club) -> str:
    return reverse("offers:offer-send", args=[club.slug, Offer.objects.get(club=club).pk])


# Leaders see the offer email before they send it (issue 19): its HTML in a sandboxed frame, and a test to
# themselves (refused without a language, back on the send page).
PAGES += [
    Page(
        "offer-preview-frame",
        lambda club: reverse("offers:offer-preview-frame", args=[club.slug, OfferFactory(club=club).pk, "en"]),
        LEADERS,
    ),
    Page("offer-test", offer_url("offer-test"), {**LEADERS, "leader": _send_page, "staff": _send_page}, method="post"),
]
