"""Sending an offer by email: resolution, skips, and exactly-once delivery through failures and crashes."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from automations.models import AutomationKind
from automations.models import SendStatus as AutomationSendStatus
from clubs.models import MembershipStatus
from offers import selectors
from offers.exceptions import OffersError
from offers.models import (
    Audience,
    BatchStatus,
    DeliveryBatch,
    DeliveryStatus,
    OfferDelivery,
    OfferSend,
    OfferUnsubscribe,
    SendStatus,
)
from offers.services.sending import IN_DOUBT, offer_batch_send, offer_send_start, offer_sends_reconcile
from offers.tasks import send_offer_batch
from tests.automations.factories import AutomationSendFactory
from tests.factories import MembershipFactory, UserFactory
from tests.offers import backends
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db


def recipients_count() -> Counter:
    return Counter(message.to[0] for message in mail.outbox)


@pytest.fixture
def leader(club):
    user = UserFactory(email="leader@example.com")
    club.leaders.add(user)
    return user


@pytest.fixture
def small_batches(settings):
    settings.OFFER_BATCH_SIZE = 4


def send(offer, leader, capture):
    with capture(execute=True):
        return offer_send_start(offer=offer, actor=leader)


def test_send_reaches_every_member_with_access_once(offer, leader, make_members, django_capture_on_commit_callbacks):
    members = make_members(5)
    make_members(1, status=MembershipStatus.CANCELED)
    make_members(1, status=MembershipStatus.PENDING)

    offer_send = send(offer, leader, django_capture_on_commit_callbacks)

    assert recipients_count() == Counter({member.email: 1 for member in members})
    offer_send.refresh_from_db()
    assert (offer_send.status, offer_send.queued_count) == (SendStatus.DONE, 5)
    assert set(OfferDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_recipients_are_grouped_in_batches_of_the_configured_size(
    offer, leader, make_members, small_batches, django_capture_on_commit_callbacks
):
    make_members(10)
    send(offer, leader, django_capture_on_commit_callbacks)
    assert sorted(batch.deliveries.count() for batch in DeliveryBatch.objects.all()) == [2, 4, 4]
    assert set(DeliveryBatch.objects.values_list("status", flat=True)) == {BatchStatus.SENT}


def test_pressing_send_twice_emails_nobody_twice(offer, leader, make_members, django_capture_on_commit_callbacks):
    members = make_members(3)
    send(offer, leader, django_capture_on_commit_callbacks)
    second = send(offer, leader, django_capture_on_commit_callbacks)

    assert recipients_count() == Counter({member.email: 1 for member in members})
    second.refresh_from_db()
    assert (second.queued_count, second.already_sent) == (0, 3)


def test_double_click_while_resolving_is_one_send(offer, leader, make_members, django_capture_on_commit_callbacks):
    make_members(2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = offer_send_start(offer=offer, actor=leader)
        second = offer_send_start(offer=offer, actor=leader)
    assert first.pk == second.pk
    assert len(callbacks) == 1


def test_a_send_started_in_a_transaction_that_rolls_back_never_runs(
    offer, leader, make_members, django_capture_on_commit_callbacks
):
    make_members(3)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        offer_send_start(offer=offer, actor=leader)
        raise RuntimeError("the request failed after pressing send")
    assert callbacks == []
    assert not OfferSend.objects.exists()
    assert not OfferDelivery.objects.exists()
    assert mail.outbox == []


def test_expired_offer_cannot_be_sent(club, leader):
    offer = OfferFactory(club=club, valid_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(OffersError):
        offer_send_start(offer=offer, actor=leader)


# --- Exactly once through failures -----------------------------------------------------------------


def test_batch_that_fails_midway_is_retried_and_everyone_gets_exactly_one_email(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    members = make_members(5)
    settings.EMAIL_BACKEND = "tests.offers.backends.FlakyBackend"
    backends.FlakyBackend.drop_before = {members[2].email}  # the server vanishes at the third message

    send(offer, leader, django_capture_on_commit_callbacks)

    batch = DeliveryBatch.objects.get()
    assert batch.status == BatchStatus.PENDING and batch.attempts == 1 and "closed" in batch.last_error
    assert sorted(recipients_count()) == sorted(member.email for member in members[:2])
    assert OfferDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3

    outcome = offer_batch_send(batch_id=batch.pk)  # the retry (Celery retries it with backoff)

    assert outcome.status == BatchStatus.SENT and outcome.sent == 3
    assert recipients_count() == Counter({member.email: 1 for member in members})
    assert OfferSend.objects.get().status == SendStatus.DONE


def test_batch_run_twice_sends_once(offer, leader, make_members, django_capture_on_commit_callbacks):
    members = make_members(4)
    send(offer, leader, django_capture_on_commit_callbacks)
    batch = DeliveryBatch.objects.get()

    again = send_offer_batch.delay(batch.pk).get()

    assert again["status"] == "done"
    assert recipients_count() == Counter({member.email: 1 for member in members})


def test_batch_held_by_a_live_worker_is_left_alone(offer, leader, make_members, django_capture_on_commit_callbacks):
    make_members(2)
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_start(offer=offer, actor=leader)
    from offers.services.sending import offer_send_resolve

    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=OfferSend.objects.get().pk)
    batch = DeliveryBatch.objects.get()
    DeliveryBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.SENDING, lease_until=timezone.now() + timedelta(minutes=1), claim_token="other"
    )

    assert offer_batch_send(batch_id=batch.pk).status == "busy"
    assert mail.outbox == []


def test_worker_killed_mid_batch_then_reconciled_sends_the_rest_and_never_repeats(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    members = make_members(5)
    settings.OFFER_SEND_CHUNK_SIZE = 1  # a commit point per email: only the email in flight is in doubt
    settings.EMAIL_BACKEND = "tests.offers.backends.KilledAfterAcceptBackend"
    backends.KilledAfterAcceptBackend.accepted = 0
    backends.KilledAfterAcceptBackend.kill_after = 3  # the server took #3, then the worker died

    with pytest.raises(backends.WorkerKilled):
        send(offer, leader, django_capture_on_commit_callbacks)

    batch = DeliveryBatch.objects.get()
    assert batch.status == BatchStatus.SENDING  # claimed by a worker that no longer exists
    assert OfferDelivery.objects.filter(status=DeliveryStatus.SENDING).count() == 1
    # acks_late + reject_on_worker_lost hand the task to another worker at once: the lease keeps it waiting.
    assert offer_batch_send(batch_id=batch.pk).status == "busy"

    # The lease runs out (as time passes), and the periodic reconciler hands the batch to a live worker.
    DeliveryBatch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        report = offer_sends_reconcile()

    assert report.expired_leases == 1
    assert recipients_count() == Counter({member.email: 1 for member in members})
    in_doubt = OfferDelivery.objects.get(status=DeliveryStatus.FAILED)
    assert in_doubt.user == members[2] and in_doubt.error == IN_DOUBT
    assert OfferDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 4
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (BatchStatus.SENT, 2)


def test_worker_killed_mid_chunk_leaves_at_most_that_chunk_in_doubt_and_nobody_twice(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    members = make_members(10)  # one batch, chunks of 4: [0-3] [4-7] [8-9]
    settings.OFFER_SEND_CHUNK_SIZE = 4
    settings.EMAIL_BACKEND = "tests.offers.backends.KilledAfterAcceptBackend"
    backends.KilledAfterAcceptBackend.accepted = 0
    backends.KilledAfterAcceptBackend.kill_after = 6  # the server took #6 (the 2nd of chunk 2), then SIGKILL

    with pytest.raises(backends.WorkerKilled):
        send(offer, leader, django_capture_on_commit_callbacks)

    # Chunk 1 was recorded sent at chunk 2's commit point; chunk 2 is "sending"; chunk 3 never started.
    status = dict(OfferDelivery.objects.values_list("user_id", "status"))
    assert [status[member.pk] for member in members] == [DeliveryStatus.SENT] * 4 + [DeliveryStatus.SENDING] * 4 + [
        DeliveryStatus.PENDING
    ] * 2
    DeliveryBatch.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        offer_sends_reconcile()

    # Independent reference: members 1-6 got it before the kill, 9-10 after; 7-8 are in doubt, never resent.
    expected = Counter({member.email: 1 for member in members[:6] + members[8:]})
    assert recipients_count() == expected
    in_doubt = set(OfferDelivery.objects.filter(error=IN_DOUBT).values_list("user_id", flat=True))
    assert in_doubt == {member.pk for member in members[4:8]}  # the whole chunk, even the two the server took
    assert OfferDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 6
    assert DeliveryBatch.objects.get().status == BatchStatus.SENT


def test_chunk_commit_records_each_chunks_message_ids_in_one_statement(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from offers.services.sending import offer_send_resolve

    make_members(10)
    settings.OFFER_SEND_CHUNK_SIZE = 4
    settings.EMAIL_MESSAGE_ID_DOMAIN = "mail.example.org"
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)
    batch = DeliveryBatch.objects.get()

    with CaptureQueriesContext(connection) as queries:
        outcome = offer_batch_send(batch_id=batch.pk)

    assert (outcome.status, outcome.sent) == (BatchStatus.SENT, 10)
    updates = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("UPDATE")]
    recording = [sql for sql in updates if '"message_id"' in sql]
    assert len(recording) == 3  # one per chunk (4 + 4 + 2), not one per email
    marking = [sql for sql in updates if "SET \"status\" = 'sending'" in sql and '"offers_offerdelivery"' in sql]
    assert len(marking) == 3
    # Per chunk: the lease, "sent", "sending"; then the claim's and the finish's own (batch, send, in doubt).
    assert len(updates) <= 3 * 3 + 6
    for delivery in OfferDelivery.objects.all():
        assert delivery.message_id == f"<offer-{offer.pk}.delivery-{delivery.pk}@mail.example.org>"
        assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None
    assert len(mail.outbox) == 10
    assert {message.extra_headers["Message-ID"] for message in mail.outbox} == set(
        OfferDelivery.objects.values_list("message_id", flat=True)
    )


def test_chunk_size_setting_defaults_to_the_measured_value(settings):
    from config.settings import base

    assert base.OFFER_SEND_CHUNK_SIZE == 100  # docs/benchmarks.md, "Chunk size"


def test_a_suppressed_address_in_a_chunk_is_skipped_and_the_rest_of_the_chunk_sent(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    from members.models import EmailSuppression
    from offers.services.sending import offer_send_resolve

    members = make_members(5)
    settings.OFFER_SEND_CHUNK_SIZE = 3
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)
    EmailSuppression.objects.create(email=members[1].email, reason="bounced")  # a bounce after resolving

    outcome = offer_batch_send(batch_id=DeliveryBatch.objects.get().pk)

    assert (outcome.status, outcome.sent) == (BatchStatus.SENT, 4)
    assert recipients_count() == Counter({member.email: 1 for member in members if member != members[1]})
    assert OfferDelivery.objects.get(user=members[1]).status == DeliveryStatus.SKIPPED


def test_suppression_is_asked_once_per_chunk_not_once_per_email(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import EmailSuppression
    from offers.services.sending import offer_send_resolve

    members = make_members(10, preferred_language="en", time_zone="UTC")  # one (language, time zone) group
    settings.OFFER_SEND_CHUNK_SIZE = 4
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)
    EmailSuppression.objects.create(email=members[5].email, reason="bounced")  # in the 2nd chunk

    with CaptureQueriesContext(connection) as queries:
        outcome = offer_batch_send(batch_id=DeliveryBatch.objects.get().pk)

    # ceil(10 / 4) chunks; the group's email is rendered once with stand-ins and once for its first member
    # through the pipeline, which asks for each of those two.
    chunks, per_group = -(-10 // 4), 2
    asked = [query for query in queries.captured_queries if '"members_emailsuppression"' in query["sql"]]
    assert len(asked) <= chunks + per_group  # it was one per email (10) plus the group's
    assert (outcome.status, outcome.sent) == (BatchStatus.SENT, 9)
    assert recipients_count() == Counter({member.email: 1 for member in members if member != members[5]})
    skipped = OfferDelivery.objects.get(user=members[5])
    assert (skipped.status, skipped.error) == (DeliveryStatus.SKIPPED, "skipped: address suppressed")


def test_server_dropping_mid_chunk_requeues_the_rest_of_the_chunk_and_sends_each_once(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    members = make_members(6)
    settings.OFFER_SEND_CHUNK_SIZE = 4
    settings.EMAIL_BACKEND = "tests.offers.backends.FlakyBackend"
    backends.FlakyBackend.drop_before = {members[2].email}  # the 3rd email of the first chunk: not accepted

    send(offer, leader, django_capture_on_commit_callbacks)

    assert sorted(recipients_count()) == sorted(member.email for member in members[:2])
    assert OfferDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 4
    assert not OfferDelivery.objects.filter(status=DeliveryStatus.SENDING).exists()
    offer_batch_send(batch_id=DeliveryBatch.objects.get().pk)  # the retry
    assert recipients_count() == Counter({member.email: 1 for member in members})


def test_reconciler_requeues_batches_whose_broker_message_was_lost(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    members = make_members(3)
    with django_capture_on_commit_callbacks(execute=False):
        offer_send_start(offer=offer, actor=leader)
    # Redis restarted: the resolve message vanished. The reconciler finds the send, then its batches.
    later = timezone.now() + timedelta(seconds=settings.OFFER_BATCH_LEASE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        offer_sends_reconcile(now=later)
    from offers.services.sending import offer_send_resolve

    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=OfferSend.objects.get().pk)  # its batch messages are lost too
    assert len(callbacks) >= 1
    even_later = later + timedelta(seconds=settings.OFFER_BATCH_PENDING_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        report = offer_sends_reconcile(now=even_later)
    assert report.pending == 1
    assert recipients_count() == Counter({member.email: 1 for member in members})


def test_reconciler_leaves_queued_batches_alone_while_workers_make_progress(
    offer, leader, make_members, settings, small_batches, django_capture_on_commit_callbacks
):
    make_members(8)
    from offers.services.sending import offer_send_resolve

    with django_capture_on_commit_callbacks(execute=False):
        offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)
    first, _waiting = DeliveryBatch.objects.order_by("pk")
    later = timezone.now() + timedelta(seconds=settings.OFFER_BATCH_PENDING_SECONDS + 1)
    # A worker holds the first batch: the second is waiting its turn in the queue, not lost.
    DeliveryBatch.objects.filter(pk=first.pk).update(status=BatchStatus.SENDING, lease_until=later + timedelta(1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = offer_sends_reconcile(now=later)
    assert (report.pending, report.expired_leases) == (0, 0)
    assert len(callbacks) == 1  # the (empty) enqueue of nothing


def test_mail_server_down_leaves_the_batch_pending_with_backoff(
    offer, leader, make_members, settings, django_capture_on_commit_callbacks
):
    make_members(2)
    settings.EMAIL_BACKEND = "tests.offers.backends.RefusedConnectionBackend"
    send(offer, leader, django_capture_on_commit_callbacks)
    batch = DeliveryBatch.objects.get()
    assert batch.status == BatchStatus.PENDING and "refused" in batch.last_error
    assert batch.queued_at > timezone.now() + timedelta(seconds=20)  # not due before the backoff


def test_batch_fails_for_good_after_the_last_attempt(offer, leader, make_members, settings):
    make_members(2)
    settings.EMAIL_BACKEND = "tests.offers.backends.RefusedConnectionBackend"
    settings.OFFER_BATCH_MAX_ATTEMPTS = 1
    from offers.services.sending import offer_send_resolve

    offer_send_resolve(send_id=offer_send_start(offer=offer, actor=leader).pk)
    outcome = offer_batch_send(batch_id=DeliveryBatch.objects.get().pk)
    assert (outcome.status, outcome.failed) == (BatchStatus.FAILED, 2)
    assert OfferSend.objects.get().status == SendStatus.DONE


def test_a_refused_recipient_fails_alone(offer, leader, make_members, settings, django_capture_on_commit_callbacks):
    members = make_members(3)
    settings.EMAIL_BACKEND = "tests.offers.backends.RefusingBackend"
    backends.RefusingBackend.refused = {members[1].email}
    send(offer, leader, django_capture_on_commit_callbacks)
    assert sorted(recipients_count()) == sorted([members[0].email, members[2].email])
    assert OfferDelivery.objects.get(user=members[1]).status == DeliveryStatus.FAILED
    assert DeliveryBatch.objects.get().status == BatchStatus.SENT


# --- Skips: preferences, unsubscribes, the weekly cap ------------------------------------------------


def test_preferences_unsubscribes_and_cap_are_skipped_and_counted(
    club, offer, leader, make_members, django_capture_on_commit_callbacks
):
    reached = make_members(2)
    [opted_out] = make_members(1, email_offers=False)
    [unsubscribed] = make_members(1)
    OfferUnsubscribe.objects.create(club=club, user=unsubscribed)
    [capped] = make_members(1)
    for earlier in OfferFactory.create_batch(2, club=club):
        send(earlier, leader, django_capture_on_commit_callbacks)
    # The capped member got the 2 earlier offers; so did the others, so lift the cap for them only.
    OfferDelivery.objects.exclude(user=capped).delete()
    mail.outbox.clear()

    preview = selectors.offer_send_preview(offer=offer)
    assert (preview.reached, preview.skipped_opted_out, preview.skipped_unsubscribed, preview.skipped_capped) == (
        2,
        1,
        1,
        1,
    )
    offer_send = send(offer, leader, django_capture_on_commit_callbacks)

    assert sorted(recipients_count()) == sorted(member.email for member in reached)
    offer_send.refresh_from_db()
    assert (offer_send.skipped_opted_out, offer_send.skipped_unsubscribed, offer_send.skipped_capped) == (1, 1, 1)
    assert opted_out.email not in recipients_count()


def test_weekly_cap_counts_only_the_last_seven_days_and_this_club(
    club, other_club, offer, leader, make_members, django_capture_on_commit_callbacks
):
    club.max_offer_emails_per_week = 1
    club.save()
    [member] = make_members(1)
    earlier = OfferFactory(club=club)
    send(earlier, leader, django_capture_on_commit_callbacks)
    assert selectors.offer_send_preview(offer=offer).skipped_capped == 1
    OfferDelivery.objects.update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    assert selectors.offer_send_preview(offer=offer).reached == 1
    # Another club's offer emails do not count against this club's cap.
    MembershipFactory(user=member, club=other_club, plan=None)
    OfferDelivery.objects.update(created_at=timezone.now(), club=other_club)
    assert selectors.offer_send_preview(offer=offer).reached == 1


def automation_offer_email(club, user, **fields):
    """An automation's email to this member (a sent win-back offer unless told otherwise)."""
    fields = {"kind": AutomationKind.WIN_BACK, "is_offer": True, "created_at": timezone.now(), **fields}
    return AutomationSendFactory(membership=user.memberships.get(club=club), **fields)


def test_weekly_cap_counts_the_automations_offer_emails(
    club, offer, leader, make_members, django_capture_on_commit_callbacks
):
    assert club.max_offer_emails_per_week == 2
    [capped, reached] = make_members(2)
    # Win-back and upgrade nudge already went out this week (the nudge still queued: it holds its place).
    automation_offer_email(club, capped, kind=AutomationKind.WIN_BACK)
    automation_offer_email(club, capped, kind=AutomationKind.UPGRADE_NUDGE, status=AutomationSendStatus.PENDING)
    automation_offer_email(club, reached, kind=AutomationKind.WIN_BACK)  # 1 of 2: still room

    reach = dict(selectors.offer_audience(offer=offer).values_list("user_id", "reach"))
    assert reach == {capped.pk: selectors.CAPPED, reached.pk: selectors.REACH}
    preview = selectors.offer_send_preview(offer=offer)
    assert (preview.reached, preview.skipped_capped, preview.skipped) == (1, 1, 1)

    offer_send = send(offer, leader, django_capture_on_commit_callbacks)

    assert recipients_count() == Counter({reached.email: 1})
    offer_send.refresh_from_db()
    assert (offer_send.queued_count, offer_send.skipped_capped) == (1, 1)
    assert not OfferDelivery.objects.filter(user=capped).exists()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"status": AutomationSendStatus.FAILED}, id="failed"),
        pytest.param({"status": AutomationSendStatus.SKIPPED}, id="skipped"),
        pytest.param({"created_at": timezone.now() - timedelta(days=7, minutes=1)}, id="older-than-7-days"),
        pytest.param({"kind": AutomationKind.WELCOME, "is_offer": False}, id="not-an-offer"),
        pytest.param({"kind": AutomationKind.BIRTHDAY, "is_offer": False}, id="birthday-without-gift"),
    ],
)
def test_weekly_cap_ignores_automation_emails_that_are_not_offer_emails_this_week(club, offer, make_members, fields):
    club.max_offer_emails_per_week = 1
    club.save()
    [member] = make_members(1)
    automation_offer_email(club, member, **fields)
    automation_offer_email(club, member, **fields)

    preview = selectors.offer_send_preview(offer=offer)
    assert (preview.reached, preview.skipped_capped) == (1, 0)


def test_weekly_cap_ignores_another_clubs_automation_offers(club, other_club, offer, make_members):
    club.max_offer_emails_per_week = 1
    club.save()
    [member] = make_members(1)
    MembershipFactory(user=member, club=other_club, plan=None)
    automation_offer_email(other_club, member)
    assert selectors.offer_send_preview(offer=offer).reached == 1


def test_send_preview_stays_one_query_with_automation_offers_in_the_cap(
    club, offer, make_members, django_assert_num_queries
):
    [member, *_] = make_members(3)
    automation_offer_email(club, member)
    with django_assert_num_queries(1):
        selectors.offer_send_preview(offer=offer)


# --- Segments ------------------------------------------------------------------------------------------


def audience_emails(offer) -> set[str]:
    return set(selectors.offer_audience(offer=offer).values_list("user__email", flat=True))


def test_segment_plan(club, make_members):
    yearly = club.plans.get(name="Yearly")
    on_yearly = make_members(2, plan=yearly)
    make_members(2)
    offer = OfferFactory(club=club, audience=Audience.PLAN, audience_plan=yearly)
    assert audience_emails(offer) == {member.email for member in on_yearly}


def test_segment_membership_age(club, make_members):
    from clubs.models import Membership

    veterans = make_members(2)
    make_members(1)
    Membership.objects.filter(user__in=veterans).update(started_at=timezone.now() - timedelta(days=100))
    offer = OfferFactory(club=club, audience=Audience.MEMBERSHIP_AGE, audience_days=90)
    assert audience_emails(offer) == {member.email for member in veterans}


def test_segment_all_excludes_members_without_access(club, make_members):
    members = make_members(2)
    make_members(1, status=MembershipStatus.EXPIRED)
    assert audience_emails(OfferFactory(club=club)) == {member.email for member in members}


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_batch_at_once_send_each_email_once(club, make_members):
    """The same batch message delivered to two workers at the same moment (PostgreSQL: real row locks)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrency; runs under CI=true")
    members = make_members(12)
    leader = UserFactory()
    offer = OfferFactory(club=club)
    offer_send_start(offer=offer, actor=leader)  # autocommit: resolves and sends at once (tasks run inline)
    mail.outbox.clear()  # ...so rewind the batch to before its first run
    DeliveryBatch.objects.update(status=BatchStatus.PENDING)
    OfferDelivery.objects.update(status=DeliveryStatus.PENDING)
    batch = DeliveryBatch.objects.get()
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(offer_batch_send(batch_id=batch.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["busy", "sent"] or sorted(outcomes) == ["done", "sent"]
    assert recipients_count() == Counter({member.email: 1 for member in members})


def test_segment_attended_at_least_n_events(club, other_club, make_members):
    from tests.events.factories import AttendanceFactory, EventOccurrenceFactory

    regular, once, _never_came = make_members(3)
    past = [EventOccurrenceFactory(club=club, starts_in=timedelta(days=-days)) for days in (3, 10)]
    for occurrence in past:
        AttendanceFactory(occurrence=occurrence, user=regular)
    AttendanceFactory(occurrence=past[0], user=once)
    # Another club's events do not count.
    AttendanceFactory(occurrence=EventOccurrenceFactory(club=other_club, starts_in=timedelta(days=-2)), user=once)
    offer = OfferFactory(club=club, audience=Audience.ATTENDED, audience_min_events=2)
    assert audience_emails(offer) == {regular.email}


def test_segment_inactive_for_n_days(club, make_members):
    from clubs.models import Membership
    from tests.events.factories import AttendanceFactory, EventOccurrenceFactory, RsvpFactory
    from tests.feed.factories import AchievementFactory

    quiet, rsvped, came, posted, newcomer = make_members(5)
    Membership.objects.exclude(user=newcomer).update(started_at=timezone.now() - timedelta(days=90))
    recent = EventOccurrenceFactory(club=club, starts_in=timedelta(days=-5))
    RsvpFactory(occurrence=EventOccurrenceFactory(club=club), user=rsvped, responded_at=timezone.now())
    AttendanceFactory(occurrence=recent, user=came)
    AchievementFactory(club=club, author=posted)
    # Old activity does not make a member active.
    AttendanceFactory(occurrence=EventOccurrenceFactory(club=club, starts_in=timedelta(days=-60)), user=quiet)
    offer = OfferFactory(club=club, audience=Audience.INACTIVE, audience_days=30)
    assert audience_emails(offer) == {quiet.email}


def test_results_page_shows_the_in_doubt_count_after_a_worker_killed_mid_chunk(
    club, actor_client, make_members, settings, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    client, leader = actor_client("leader")
    make_members(10)
    offer = OfferFactory(club=club)
    settings.OFFER_SEND_CHUNK_SIZE = 4
    settings.EMAIL_BACKEND = "tests.offers.backends.KilledAfterAcceptBackend"
    backends.KilledAfterAcceptBackend.accepted = 0
    backends.KilledAfterAcceptBackend.kill_after = 6
    with pytest.raises(backends.WorkerKilled):
        send(offer, leader, django_capture_on_commit_callbacks)
    DeliveryBatch.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        offer_sends_reconcile()

    url = reverse("offers:offer-progress", args=[club.slug, offer.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-count="failed">4<' in partial and 'data-count="sent">6<' in partial
    assert 'data-count="in-doubt"' in partial and "Of the failed, 4 emails are in doubt" in partial


def test_results_page_says_nothing_of_doubt_when_nothing_is_in_doubt(
    club, actor_client, make_members, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    client, leader = actor_client("leader")
    make_members(2)
    offer = OfferFactory(club=club)
    send(offer, leader, django_capture_on_commit_callbacks)
    partial = client.get(
        reverse("offers:offer-progress", args=[club.slug, offer.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-count="sent">2<' in partial and "in-doubt" not in partial
