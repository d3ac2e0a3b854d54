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
    """Read-only amounts formatted as money; editable ones in an input in the currency's units, never cents."""
    obj = rows[admin_name]
    html = staff_client.get(reverse(f"admin:{admin_name}_change", args=[obj.pk])).content.decode()
    readonly = " ".join(re.findall(r'<div class="readonly">(.*?)</div>', html, flags=re.S))
    assert "123456" not in readonly and "123,456" not in readonly
    inputs = re.findall(r'<input[^>]*name="\w+_minor"[^>]*>', html)
    values = [re.search(r'value="([^"]*)"', tag) for tag in inputs]
    assert all(value is None or value.group(1) in {"1234.56", ""} for value in values), inputs
    assert USD_1234_56 in html or "1234.56" in [value.group(1) for value in values if value]


def _form_data(response) -> dict:
    """What the browser would post back unchanged: every field of the admin form, as rendered."""
    form = response.context["adminform"].form
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if hasattr(widget, "widgets"):  # a split date and time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is not None:
            data[bound.html_name] = str(value)
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for bound in management:
            data[bound.html_name] = str(bound.value())
    return data


@pytest.mark.parametrize(
    ("admin_name", "currency", "typed", "stored"),
    [
        ("clubs_plan", "USD", "25.00", 2500),
        ("clubs_plan", "USD", "5", 500),
        ("clubs_plan", "JPY", "2500", 2500),
        ("offers_offer", "USD", "12.34", 1234),
        ("offers_offer", "JPY", "980", 980),
    ],
)
def test_admin_edit_form_takes_prices_in_the_currencys_units_not_cents(
    staff_client, rows, admin_name, currency, typed, stored
):
    obj = rows[admin_name]
    obj.club.currency = obj.currency = currency  # a plan is priced in its club's currency
    obj.club.save()
    if admin_name == "offers_offer":
        obj.created_by = UserFactory()  # required on the admin form: an offer has an author
    obj.save()
    url = reverse(f"admin:{admin_name}_change", args=[obj.pk])
    data = {**_form_data(staff_client.get(url)), "price_minor": typed}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
    assert obj.price_minor == stored


@pytest.mark.parametrize(
    ("currency", "typed", "message"),
    [("USD", "1.234", "decimal"), ("JPY", "25.50", "decimal"), ("USD", "999999999999.99", "")],
)
def test_admin_edit_form_refuses_a_price_the_currency_cannot_hold_and_changes_nothing(
    staff_client, rows, currency, typed, message
):
    plan = rows["clubs_plan"]
    plan.club.currency = plan.currency = currency
    plan.club.save()
    plan.save()
    url = reverse("admin:clubs_plan_change", args=[plan.pk])
    response = staff_client.post(url, {**_form_data(staff_client.get(url)), "price_minor": typed})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["price_minor"]
    assert errors and message in " ".join(errors).lower()
    plan.refresh_from_db()
    assert plan.price_minor == 123456


def test_club_admin_plan_inline_shows_and_takes_prices_in_units(staff_client, rows, club):
    url = reverse("admin:clubs_club_change", args=[club.pk])
    response = staff_client.get(url)
    plan = rows["clubs_plan"]
    prefix = next(f.formset.prefix for f in response.context["inline_admin_formsets"] if f.formset.model is type(plan))
    html = response.content.decode()
    assert "1234.56" in html and "In cents" not in html
    data = _form_data(response)
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            for bound in form:
                value = bound.value()
                if isinstance(value, bool):
                    if value:
                        data[bound.html_name] = "on"
                elif value is not None:
                    data[bound.html_name] = str(getattr(value, "pk", value))
    index = next(
        i
        for i, form in enumerate(
            next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix).formset.forms
        )
        if form.instance.pk == plan.pk
    )
    data[f"{prefix}-{index}-price_minor"] = "7.50"
    response = staff_client.post(url, data)
    assert response.status_code == 302, [f.formset.errors for f in response.context["inline_admin_formsets"]]
    plan.refresh_from_db()
    assert plan.price_minor == 750


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
