import pytest
from django.core.management import call_command

from billing.models import Subscription, WebhookEvent, WebhookEventStatus
from billing.services.reconcile import stripe_reconcile
from clubs.models import MembershipStatus
from tests.billing.flows import deliver, join_and_pay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_events_missed_during_an_outage_are_stored_and_processed(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=club.plans.first()
    )
    subscription = membership.subscriptions.get()
    # The renewal fails while the site is down: Stripe's events never arrive.
    missed = stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False)
    assert not WebhookEvent.objects.filter(stripe_event_id__in=[event["id"] for event in missed]).exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = stripe_reconcile()
    assert report.events_missing == len(missed) and not report.errors
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert set(WebhookEvent.objects.values_list("status", flat=True)) <= {
        WebhookEventStatus.PROCESSED,
        WebhookEventStatus.IGNORED,
    }

    with django_capture_on_commit_callbacks(execute=True):
        again = stripe_reconcile()
    assert again.events_missing == 0  # a second run finds nothing new


def test_a_subscription_that_disagrees_with_stripe_is_corrected(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=club.plans.first()
    )
    Subscription.objects.update(status="past_due")  # the mirror drifted
    report = stripe_reconcile(days=1)
    assert (report.subscriptions_checked, report.subscriptions_corrected) == (1, 1)
    assert membership.subscriptions.get().status == "active"


def test_reconcile_command_reports_what_it_did(
    client, club, stripe_emulator, django_capture_on_commit_callbacks, capsys
):
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=club.plans.first()
    )
    stripe_emulator.advance_to_renewal(membership.subscriptions.get().stripe_subscription_id, succeed=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile_stripe")
    out = capsys.readouterr().out
    assert "missing and now stored 2" in out or "missing and now stored" in out
    assert "subscriptions checked 1" in out


def test_processed_events_are_not_processed_again_by_the_catch_up(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=UserFactory(), plan=club.plans.first()
    )
    attempts = dict(WebhookEvent.objects.values_list("stripe_event_id", "attempts"))
    deliver([], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        stripe_reconcile()
    assert dict(WebhookEvent.objects.values_list("stripe_event_id", "attempts")) == attempts
