"""Billing emails go out in the recipient's language, with the locale's digits (allauth's: test_language.py)."""

# ruff: noqa: RUF001 (Persian digits are the point)
import pytest

from tests.billing.stripe_events import WEBHOOK_SECRET
from tests.billing.test_lifecycle import deliver, join_and_pay, newest_subscription, one
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def test_failed_payment_email_is_in_the_members_language_with_persian_digits(
    client, club, stripe_emulator, django_capture_on_commit_callbacks, mailoutbox
):
    capture = django_capture_on_commit_callbacks
    member = UserFactory(preferred_language="fa", display_name="Leila")
    membership = join_and_pay(client, stripe_emulator, capture, user=member, plan=club.plans.get(name="Monthly"))
    mailoutbox.clear()  # joining sends "your membership is active" and the welcome; this test is the renewal's
    renewal = stripe_emulator.advance_to_renewal(newest_subscription(membership).stripe_subscription_id, succeed=False)
    one(renewal, "invoice.payment_failed")
    deliver(renewal, capture)

    (email,) = mailoutbox
    assert email.subject == "پرداخت شما برای Healthy and Happy Club انجام نشد"
    assert "سلام Leila،" in email.body
    assert "\u200e$\u00a0۵٫۰۰" in email.body  # $5.00 as Persian readers write it
    html = email.alternatives[0][0]
    assert 'dir="rtl"' in html and "کارت خود را به‌روز کنید" in html
