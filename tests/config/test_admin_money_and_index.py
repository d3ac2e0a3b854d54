"""Issue 23, admin: money as money with its currency (not minor units) in every list and detail page, the staff
analytics dashboard linked from the index, and wide lists that scroll (a static CSS override, no inline style)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from automations.models import Referral, ReferralCode
from billing.models import Invoice, StripeCustomer, Subscription
from offers.models import Redemption, RedemptionStatus
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory

# An independent reading of the amounts: how a person writes $1,234.56 and ¥2,500 (not the project's Babel code).
USD_1234_56 = "$1,234.56"
JPY_2500 = "¥2,500"


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def rows(club):
    """One row of each money-bearing model, each worth 123456 minor units in USD."""
    member = MembershipFactory(club=club, plan=club.plans.first())
    customer = StripeCustomer.objects.create(user=member.user, stripe_customer_id="cus_money")
    subscription = Subscription.objects.create(
        stripe_subscription_id="sub_money",
        membership=member,
        customer=customer,
        plan=club.plans.first(),
        status="active",
        amount_minor=123456,
        currency="USD",
    )
    invoice = Invoice.objects.create(
        stripe_invoice_id="in_money",
        customer=customer,
        subscription=subscription,
        status="paid",
        currency="USD",
        amount_due_minor=123456,
        amount_paid_minor=123456,
        stripe_created=timezone.now(),
    )
    offer = OfferFactory(club=club, price_minor=123456, title="Money offer")
    redemption = Redemption.objects.create(
        offer=offer,
        user=member.user,
        status=RedemptionStatus.PAID,
        amount_minor=123456,
        currency="USD",
        reserved_until=timezone.now(),
        paid_at=timezone.now(),
    )
    friend = MembershipFactory(club=club)
    code = ReferralCode.objects.create(club=club, user=member.user, code="MONEY1")
    referral = Referral.objects.create(
        club=club,
        code=code,
        referrer=member.user,
        referred=friend.user,
        membership=friend,
        friend_percent_off=10,
        credit_minor=123456,
        currency="USD",
    )
    plan = club.plans.first()
    plan.price_minor = 123456
    plan.save()
    return {
        "billing_subscription": subscription,
        "billing_invoice": invoice,
        "clubs_plan": plan,
        "offers_offer": offer,
        "offers_redemption": redemption,
        "automations_referral": referral,
    }


ADMINS = [
    "billing_subscription",
    "billing_invoice",
    "clubs_plan",
    "offers_offer",
    "offers_redemption",
    "automations_referral",
]


def _cells(html: str) -> str:
    """The text of the result table's cells (the list), without the filters' and search box's text."""
    return " ".join(re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, flags=re.S))


@pytest.mark.parametrize("admin_name", ADMINS)
def test_admin_list_shows_money_with_its_currency_not_minor_units(staff_client, rows, admin_name):
    html = staff_client.get(reverse(f"admin:{admin_name}_changelist")).content.decode()
    cells = _cells(html)
    if admin_name != "billing_subscription":  # the subscription list shows its next payment, formatted already
        assert USD_1234_56 in cells
    assert "123456" not in cells and "123,456" not in cells


@pytest.mark.parametrize("admin_name", ADMINS)
def test_admin_detail_shows_money_with_its_currency(staff_client, rows, admin_name):
    obj = rows[admin_name]
    html = staff_client.get(reverse(f"admin:{admin_name}_change", args=[obj.pk])).content.decode()
    assert USD_1234_56 in html
    readonly = " ".join(re.findall(r'<div class="readonly">(.*?)</div>', html, flags=re.S))
    assert "123456" not in readonly and "123,456" not in readonly


def test_admin_money_in_yen_has_no_decimals(staff_client, rows, club):
    offer = rows["offers_offer"]
    offer.currency, offer.price_minor = "JPY", 2500
    offer.save()
    cells = _cells(staff_client.get(reverse("admin:offers_offer_changelist")).content.decode())
    assert JPY_2500 in cells


def test_admin_index_links_to_the_staff_analytics_dashboard(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("analytics:staff-dashboard")}"' in html
    assert f'href="{reverse("billing-overview")}"' in html


def test_admin_wide_lists_scroll_through_a_static_css_override_not_inline_style(staff_client, rows):
    html = staff_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert "admin-overrides.css" in html and "<style" not in html and ' style="' not in html
    path = finders.find("css/admin-overrides.css")
    assert path and Path(path).is_relative_to(Path(settings.BASE_DIR) / "static")
    css = Path(path).read_text()
    assert re.search(r"\.results[^{]*\{[^}]*overflow-x:\s*auto", css)
    assert re.search(r"\.main > \.content[^{]*\{[^}]*min-width:\s*0", css)
