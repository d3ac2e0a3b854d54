"""Gift memberships: bought through Stripe Checkout (one payment), created by the webhook, redeemed by a link."""

import copy
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing.growth_tasks import send_gift_invites
from billing.models import Gift, GiftStatus
from billing.services.gifts import GiftError, gift_prices, gift_redeem, gift_redeem_token, gift_refund
from clubs.models import Membership, MembershipStatus
from clubs.selectors import membership_has_access
from core.models import StaffAction
from tests.billing.flows import deliver, join_and_pay
from tests.billing.stripe_events import stripe_event
from tests.factories import ClubFactory, MembershipFactory, PlanFactory, UserFactory
from tests.stripe_fixtures import FIXTURES

pytestmark = pytest.mark.django_db

GIFT = {"recipient_email": "friend@example.com", "buyer_email": "giver@example.com", "message": "Happy birthday!"}


def _months_later(moment, months: int):
    """Reference: the same day ``months`` on, clamped to the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def _buy(client, club, months=6, **data) -> str:
    """POST the gift form; returns the emulated Checkout Session id it redirected to."""
    response = client.post(reverse("billing:gift-buy", args=[club.slug]), {"months": months, **GIFT, **data})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith("/billing/demo-checkout/cs_")
    return response["Location"].rsplit("/", 1)[-1]


def _bought(client, stripe_emulator, capture, club, months=6) -> Gift:
    deliver(stripe_emulator.complete_checkout(_buy(client, club, months)), capture)
    return Gift.objects.get()


@pytest.mark.parametrize(("months", "amount"), [(1, 500), (6, 2700), (12, 4800)])
def test_gift_price_follows_the_longest_plan_that_fits(club, months, amount):
    # Monthly 5.00, 6 months 27.00, yearly 48.00: each gift length is priced by the plan of its length.
    assert {price.months: price.amount_minor for price in gift_prices(club=club)}[months] == amount


def test_gift_price_without_a_fitting_plan_is_pro_rata_and_rounded():
    club = ClubFactory(currency="EUR")
    PlanFactory(club=club, interval="month", interval_count=3, price_minor=1000, currency="EUR")  # 333.33 a month
    prices = {price.months: price.amount_minor for price in gift_prices(club=club)}
    assert prices == {1: 333, 6: 2000, 12: 4000}


def test_anonymous_buyer_goes_to_a_one_time_checkout(client, stripe_emulator, club):
    assert client.get(reverse("billing:gift-buy", args=[club.slug])).status_code == 200
    session = stripe_emulator.get(_buy(client, club, 12))
    assert session["mode"] == "payment"
    assert (session["amount_total"], session["currency"]) == (4800, "usd")
    assert session["customer_email"] == "giver@example.com"
    assert session["metadata"]["gift"] == "1" and session["metadata"]["recipient_email"] == "friend@example.com"
    assert not Gift.objects.exists()  # nothing is stored before Stripe says it is paid


def test_bad_gift_input_gets_a_message_and_changes_nothing(client, stripe_emulator, club):
    requests_before = len(stripe_emulator.requests)
    for data in (
        {"months": 7},
        {"months": "x"},
        {"recipient_email": "not-an-email"},
        {"buyer_email": ""},
        {"message": "x" * 301},
        {"months": 6, "recipient_email": "a@" + "b" * 300 + ".com"},
    ):
        response = client.post(reverse("billing:gift-buy", args=[club.slug]), {"months": 6, **GIFT, **data})
        assert response.status_code == 200
        assert b"invalid-feedback" in response.content or b"text-danger" in response.content
    assert len(stripe_emulator.requests) == requests_before
    club_without_plans = ClubFactory()
    assert client.get(reverse("billing:gift-buy", args=[club_without_plans.slug])).status_code == 404


def test_paid_checkout_creates_the_gift_once_and_emails_the_recipient(
    client, stripe_emulator, django_capture_on_commit_callbacks, club
):
    mail.outbox.clear()
    session_id = _buy(client, club, 6)
    events = stripe_emulator.complete_checkout(session_id)
    deliver(events, django_capture_on_commit_callbacks)
    completed = next(event for event in events if event["type"] == "checkout.session.completed")
    # The same session delivered again under another event id (Stripe may resend): still one gift, one email.
    deliver([{**copy.deepcopy(completed), "id": completed["id"] + "_again"}], django_capture_on_commit_callbacks)

    gift = Gift.objects.get()
    assert (gift.club, gift.months, gift.amount_minor, gift.currency) == (club, 6, 2700, "USD")
    assert (gift.buyer_email, gift.recipient_email, gift.message) == (
        "giver@example.com",
        "friend@example.com",
        "Happy birthday!",
    )
    assert gift.status == GiftStatus.PAID and gift.stripe_checkout_session_id == session_id
    assert gift.stripe_payment_intent_id.startswith("pi_")
    to_recipient = [message for message in mail.outbox if message.to == ["friend@example.com"]]
    assert len(to_recipient) == 1
    token = re.search(r"/gifts/redeem/([^/\s]+)/", to_recipient[0].body).group(1)
    assert token == gift_redeem_token(gift=gift)
    assert "Happy birthday!" in to_recipient[0].body


def test_real_checkout_session_payload_in_payment_mode_creates_the_gift(
    post_event, django_capture_on_commit_callbacks, club
):
    """Stripe's own Checkout Session object (OpenAPI fixtures, mode=payment), completed and paid, with our metadata."""
    if not FIXTURES.is_dir():
        pytest.skip("../shared/stripe-fixtures is not available")
    session = copy.deepcopy(
        json.loads((FIXTURES / "payloads/openapi_fixtures3_subset.json").read_text())["checkout.session"]
    )
    assert session["mode"] == "payment"
    session.update(status="complete", payment_status="paid", amount_total=500, currency="usd")
    session["metadata"] = {
        "gift": "1",
        "club_id": str(club.pk),
        "plan_id": str(club.plans.get(name="Monthly").pk),
        "months": "1",
        "buyer_email": "",
        "buyer_id": "",
        "recipient_email": "Friend@Example.com",
        "message": "",
        "language": "de",
    }
    event = stripe_event("checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(event).status_code == 200  # the same event again

    gift = Gift.objects.get()
    assert gift.buyer_email == session["customer_details"]["email"]  # Checkout's email when the form gave none
    assert (gift.recipient_email, gift.months, gift.amount_minor, gift.language) == ("friend@example.com", 1, 500, "de")
    assert gift.stripe_payment_intent_id == session["payment_intent"]


def test_unpaid_or_foreign_payment_sessions_create_no_gift(post_event, django_capture_on_commit_callbacks, club):
    if not FIXTURES.is_dir():
        pytest.skip("../shared/stripe-fixtures is not available")
    session = json.loads((FIXTURES / "payloads/openapi_fixtures3_subset.json").read_text())["checkout.session"]
    unpaid = {**copy.deepcopy(session), "metadata": {"gift": "1", "club_id": str(club.pk), "months": "6",
              "recipient_email": "friend@example.com", "buyer_email": "giver@example.com"}}  # fmt: skip
    odd = {**copy.deepcopy(unpaid), "payment_status": "paid", "id": "cs_test_odd"}
    odd["metadata"] = {**odd["metadata"], "months": "7"}
    with django_capture_on_commit_callbacks(execute=True):
        for obj in (session, unpaid, odd):
            assert post_event(stripe_event("checkout.session.completed", obj)).status_code == 200
    assert not Gift.objects.exists()


@pytest.fixture
def gift(client, stripe_emulator, django_capture_on_commit_callbacks, club):
    return _bought(client, stripe_emulator, django_capture_on_commit_callbacks, club, 6)


def test_redeeming_gives_complimentary_access_for_the_months_bought(client, gift):
    user = UserFactory()
    client.force_login(user)
    url = reverse("billing:gift-redeem", args=[gift_redeem_token(gift=gift)])
    assert client.get(url).status_code == 200
    before = timezone.now()
    response = client.post(url)
    after = timezone.now()

    assert response.status_code == 302 and response["Location"] == reverse("clubs:club-home", args=[gift.club.slug])
    membership = Membership.objects.get(user=user, club=gift.club)
    assert membership.is_complimentary and membership.status == MembershipStatus.ACTIVE
    assert _months_later(before, 6) <= membership.complimentary_until <= _months_later(after, 6)
    assert membership_has_access(membership=membership)
    gift.refresh_from_db()
    assert gift.status == GiftStatus.REDEEMED and gift.redeemed_by == user and gift.membership == membership
    assert gift.new_member is True and gift.access_until == membership.complimentary_until
    # A second redemption (the same link again, or someone else) is refused and changes nothing.
    other = UserFactory()
    client.force_login(other)
    client.post(url)
    assert not Membership.objects.filter(user=other, club=gift.club).exists()


def test_redeeming_after_existing_complimentary_time_extends_it(gift):
    user = UserFactory()
    until = timezone.now() + timedelta(days=20)
    MembershipFactory(
        user=user, club=gift.club, status=MembershipStatus.ACTIVE, is_complimentary=True, complimentary_until=until,
        started_at=timezone.now() - timedelta(days=100),
    )  # fmt: skip
    redeemed = gift_redeem(gift=gift, user=user)
    assert redeemed.access_until == _months_later(until, 6)
    assert redeemed.new_member is False


def test_member_who_still_pays_cannot_redeem(client, stripe_emulator, django_capture_on_commit_callbacks, club, gift):
    user = UserFactory()
    join_and_pay(client, stripe_emulator, django_capture_on_commit_callbacks, user=user, plan=club.plans.first())
    with pytest.raises(GiftError):
        gift_redeem(gift=gift, user=user)
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PAID and not Membership.objects.get(user=user, club=club).is_complimentary


def test_redeem_link_not_ours_is_404_and_anonymous_logs_in_first(client, gift):
    token = gift_redeem_token(gift=gift)
    response = client.get(reverse("billing:gift-redeem", args=[token]))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(reverse("billing:gift-redeem", args=[token[:-2] + "xx"])).status_code == 404
    assert client.post(reverse("billing:gift-redeem", args=["nonsense"])).status_code == 404


def test_invitation_to_subscribe_a_week_before_the_gift_ends_once(gift):
    user = UserFactory()
    redeemed = gift_redeem(gift=gift, user=user)
    mail.outbox.clear()
    assert send_gift_invites.delay().get() == 0  # six months ahead: not yet

    Gift.objects.filter(pk=redeemed.pk).update(access_until=timezone.now() + timedelta(days=6))
    Membership.objects.filter(pk=redeemed.membership_id).update(complimentary_until=timezone.now() + timedelta(days=6))
    # Both dates must agree: move the gift's to the membership's exactly.
    membership = Membership.objects.get(pk=redeemed.membership_id)
    Gift.objects.filter(pk=redeemed.pk).update(access_until=membership.complimentary_until)

    assert send_gift_invites.delay().get() == 1
    assert send_gift_invites.delay().get() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert gift.club.get_absolute_url() in mail.outbox[0].body


def test_staff_refund_an_unredeemed_gift_with_an_audit_row(gift, stripe_emulator):
    staff = UserFactory(is_staff=True, is_superuser=True)
    refunded = gift_refund(gift=gift, actor=staff, note="Bought twice by mistake")
    assert refunded.status == GiftStatus.REFUNDED
    intent = stripe_emulator.get(gift.stripe_payment_intent_id)
    charge = stripe_emulator.get(intent["latest_charge"])
    assert charge["amount_refunded"] == gift.amount_minor
    action = StaffAction.objects.get(action="gift.refund")
    assert action.actor == staff and action.note == "Bought twice by mistake"
    with pytest.raises(GiftError):
        gift_redeem(gift=refunded, user=UserFactory())
    with pytest.raises(GiftError):
        gift_refund(gift=refunded, actor=staff, note="again")


def test_redeemed_gift_cannot_be_refunded(gift):
    gift_redeem(gift=gift, user=UserFactory())
    with pytest.raises(GiftError):
        gift_refund(gift=gift, actor=UserFactory(is_staff=True), note="no")
    assert not StaffAction.objects.filter(action="gift.refund").exists()


def test_admin_refund_action(client, gift, django_assert_max_num_queries):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    changelist = reverse("admin:billing_gift_changelist")
    assert client.get(changelist).status_code == 200
    confirm = client.post(changelist, {"action": "refund", "_selected_action": [gift.pk]})
    assert confirm.status_code == 200 and b"Note for the audit log" in confirm.content
    done = client.post(
        changelist, {"action": "refund", "_selected_action": [gift.pk], "confirm": "yes", "note": "Asked by email"}
    )
    assert done.status_code == 302
    gift.refresh_from_db()
    assert gift.status == GiftStatus.REFUNDED


def test_demo_checkout_lets_an_anonymous_buyer_pay_the_gift(
    client, demo_settings, django_capture_on_commit_callbacks, club
):
    """Demo mode: the emulator plays Stripe; the gift's demo page is open to whoever holds the session (signed in:
    the demo checkout, unlike Stripe's, asks everyone to sign in first)."""
    response = client.post(reverse("billing:gift-buy", args=[club.slug]), {"months": 1, **GIFT})
    checkout = response["Location"]
    assert client.get(checkout).status_code == 302  # anonymous: the demo checkout's log-in first
    client.force_login(UserFactory())  # anyone, not necessarily the buyer
    assert client.get(checkout).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(checkout)
    assert paid.status_code == 302 and paid["Location"].endswith(reverse("billing:gift-thanks", args=[club.slug]))
    gift = Gift.objects.get()
    assert (gift.months, gift.amount_minor, gift.recipient_email) == (1, 500, "friend@example.com")


def test_club_page_offers_the_gift_to_visitors(client, club):
    html = client.get(reverse("clubs:club-detail", args=[club.slug])).content.decode()
    assert f'href="{reverse("billing:gift-buy", args=[club.slug])}"' in html
