"""In a real browser, English and Arabic, desktop and phone: the billing page with credit after a downgrade,
the switch preview that says how much credit it leaves, and a past-due billing page with a way to pay now.
Screenshots: test-artifacts/billing_<state>_<language>_<width>.png."""

from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from tests.billing.flows import deliver, join_and_pay
from tests.billing.stripe_events import WEBHOOK_SECRET
from tests.factories import UserFactory

WIDTHS = [1280, 390]


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "domain": urlparse(live_server.url).hostname, "path": "/"}]
    )


def _shoot(page, artifacts_dir, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        # Nothing sticks out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=artifacts_dir / f"{name}_{width}.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_billing_pages_with_credit_switch_preview_and_past_due(
    live_server, page, club, settings, stripe_emulator, django_capture_on_commit_callbacks, artifacts_dir, language
):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    capture = django_capture_on_commit_callbacks
    plans = {plan.name: plan for plan in club.plans.all()}
    billing = live_server.url + f"/clubs/{club.slug}/billing/"

    # The switch preview of a yearly member choosing the monthly plan: it says how much credit it leaves.
    yearly_member = UserFactory(preferred_language=language, display_name="Layla Haddad")
    join_and_pay(Client(), stripe_emulator, capture, user=yearly_member, plan=plans["Yearly"])
    _log_in(page, live_server, yearly_member)
    page.goto(live_server.url + f"/clubs/{club.slug}/billing/switch/{plans['Monthly'].pk}/")
    expect(page.locator("[data-credit=created]")).to_be_visible()
    _shoot(page, artifacts_dir, f"billing_switch_preview_{language}")

    # Confirm in the browser: the billing page then shows the credit.
    mark = len(stripe_emulator.events)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(billing)
    deliver(list(stripe_emulator.events[mark:]), capture)
    page.goto(billing)
    expect(page.locator("[data-credit]")).to_be_visible()
    if language == "en":
        expect(page.locator("[data-credit]")).to_have_text("You have $43.00 credit; it pays your next invoices.")
    _shoot(page, artifacts_dir, f"billing_credit_{language}")

    # Past due: the open invoice can be paid now.
    late = UserFactory(preferred_language=language, display_name="Omar Late")
    membership = join_and_pay(Client(), stripe_emulator, capture, user=late, plan=plans["Monthly"])
    subscription = membership.subscriptions.get()
    deliver(stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False), capture)
    _log_in(page, live_server, late)
    page.goto(billing)
    pay_now = page.locator("[data-pay-now] a")
    open_invoice = stripe_emulator.get(stripe_emulator.get(subscription.stripe_subscription_id)["latest_invoice"])
    expect(pay_now).to_have_attribute("href", open_invoice["hosted_invoice_url"])
    _shoot(page, artifacts_dir, f"billing_past_due_{language}")
