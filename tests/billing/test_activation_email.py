"""The "your membership is active" email (issue 19): sent when a membership first gets access through
payment, through the one pipeline, once per activation however often Stripe's events arrive."""

from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.utils import translation

from billing.models import ActivationEmail
from billing.services.notifications import activation_notify
from clubs.models import MembershipStatus, MembershipStatusChange
from devtools.demo.checkout import demo_events_deliver
from tests.billing.flows import deliver, join_and_pay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def to(user) -> list:
    """The member's transactional emails (the welcome automation, club news, may follow on its own)."""
    return [
        message
        for message in mail.outbox
        if message.to == [user.email] and message.extra_headers.get("X-Returnpath-Category") == "transactional"
    ]


def expected_subject(club, language: str) -> str:
    # The reference: the catalog's own translation of the msgid, filled in by hand.
    with translation.override(language):
        return translation.gettext("Your membership of %(club_name)s is active") % {"club_name": club.name}


@pytest.mark.parametrize("language", ["en", "de", "ar"])
def test_paid_activation_sends_membership_active_email_once(
    client, club, stripe_emulator, django_capture_on_commit_callbacks, language
):
    member = UserFactory(preferred_language=language)
    mail.outbox.clear()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=club.plans.get(name="Monthly")
    )
    assert membership.status == MembershipStatus.ACTIVE
    sent = to(member)
    assert len(sent) == 1
    parsed = message_from_bytes(sent[0].message().as_bytes(), policy=policy.default)
    assert parsed["Subject"].strip() == expected_subject(club, language)
    assert parsed["X-Returnpath-Category"] == "transactional"
    assert parsed.get_content_type() == "multipart/alternative"
    assert "List-Unsubscribe" not in parsed
    change = membership.status_changes.get(to_status=MembershipStatus.ACTIVE)
    assert ActivationEmail.objects.get(status_change=change).sent_at is not None

    # A retried task, or the same events delivered again, send nothing more.
    assert activation_notify(status_change_pk=change.pk) is False
    assert len(to(member)) == 1


def test_activation_email_events_replayed_send_nothing_more(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    member = UserFactory()
    plan = club.plans.get(name="Monthly")
    client.force_login(member)
    from django.urls import reverse

    response = client.post(reverse("billing:club-join", args=[club.slug, plan.pk]))
    events = stripe_emulator.complete_checkout(response["Location"].rsplit("/", 1)[-1])
    deliver(events, django_capture_on_commit_callbacks)
    deliver(events, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        demo_events_deliver(events)
    assert len(to(member)) == 1
    assert ActivationEmail.objects.count() == 1


def test_trial_ending_into_active_is_no_new_activation(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    plan = club.plans.get(name="Monthly")
    plan.trial_days = 14
    plan.save()
    member = UserFactory()
    membership = join_and_pay(client, stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=plan)
    assert membership.status == MembershipStatus.TRIALING
    assert len(to(member)) == 1
    subscription = membership.subscriptions.get()
    deliver(stripe_emulator.end_trial(subscription.stripe_subscription_id), django_capture_on_commit_callbacks)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert len(to(member)) == 1


def test_a_change_that_is_no_activation_sends_nothing(club):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(club=club, plan=club.plans.first())
    change = MembershipStatusChange.objects.create(
        membership=membership, from_status=MembershipStatus.PAST_DUE, to_status=MembershipStatus.ACTIVE
    )
    mail.outbox.clear()
    assert activation_notify(status_change_pk=change.pk) is False
    assert mail.outbox == []
    assert not ActivationEmail.objects.exists()
