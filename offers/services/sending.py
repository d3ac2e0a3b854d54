"""Fan-out of an offer email to a club's members, exactly once per member.

How "never twice" holds, layer by layer:

1. Recipients are resolved once per send, under a lock on the offer, into ``OfferDelivery`` rows that are
   unique per (offer, member). Pressing send twice, or resolving again, cannot queue a member twice.
2. A batch is claimed under ``select_for_update(skip_locked)``: pending (or sending with an expired lease)
   -> sending, with a fresh claim token and a lease. A second worker given the same batch while the lease
   runs walks away; the periodic reconciler re-queues batches whose lease ran out (a killed worker) or
   that sat pending too long (a lost broker message, e.g. after Redis restarted).
3. Deliveries go out in chunks of OFFER_SEND_CHUNK_SIZE, with one commit point per chunk: the previous
   chunk's "sent" (every Message-ID in one statement, computed from the row's id) and this chunk's
   pending -> "sending", committed together with the lease renewal *before* any email of the chunk is
   accepted by SMTP. The "sending" UPDATE is conditional and runs under the batch row's lock, so of two
   workers racing only one sends.
   With a real SMTP server the commit sits right before the chunk's first end-of-data dot
   (offers/smtp.py): MAIL, RCPT and that first content go first, so a worker killed before the dot leaves
   the whole chunk pending. The chunk size is the trade-off between commits per email (throughput) and the
   "in doubt" window below (docs/settings.md, docs/benchmarks.md).
4. When a claim dies between those two commits (the worker was killed) nobody knows which of the chunk's
   emails the server got. The next claim marks the chunk's "sending" deliveries failed ("in doubt")
   instead of resending them: a missing offer email is a lesser harm than a duplicate. So a killed worker
   leaves at most one chunk of members without the email, and nobody with two; the send's results page
   shows how many. An SMTP error, on the other hand, means the server did not answer 250, so that message
   (and the rest of its chunk, never handed over) was not accepted: they go back to pending and the batch
   is retried with backoff.
"""

import contextlib
import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.emails import EmailSuppressed
from members.models import User
from offers import selectors
from offers.emails import OfferEmailRenderer, delivery_message_id_sql, offer_email
from offers.exceptions import BatchRetry, OffersError
from offers.models import (
    IN_DOUBT_ERROR,
    BatchStatus,
    DeliveryBatch,
    DeliveryStatus,
    Offer,
    OfferDelivery,
    OfferSend,
    SendStatus,
)
from offers.smtp import ClaimLost, InDoubt, send_staged, socket_nodelay

logger = logging.getLogger(__name__)

IN_DOUBT = IN_DOUBT_ERROR
SUPPRESSED_ERROR = "skipped: address suppressed"
# The server answered for this recipient alone: retrying the batch would not change its answer.
RECIPIENT_REFUSALS = (smtplib.SMTPRecipientsRefused,)


def _lease() -> timedelta:
    return timedelta(seconds=settings.OFFER_BATCH_LEASE_SECONDS)


def _enqueue_batches(batch_ids: list[int]) -> None:
    from offers.tasks import send_offer_batch

    for batch_id in batch_ids:
        send_offer_batch.delay(batch_id)


@transaction.atomic
def offer_send_start(*, offer: Offer, actor: User, now: datetime | None = None) -> OfferSend:
    """Record the leader's "Send to members"; recipients are resolved by a task once this commits.

    A press while the previous send still resolves returns that send, so a double click is one send.
    Nothing is enqueued until the surrounding transaction commits: a rolled-back request sends nothing.
    """
    now = now or timezone.now()
    offer = Offer.objects.select_for_update().select_related("club").get(pk=offer.pk)
    if offer.is_expired(now):
        raise OffersError(_("This offer has expired; extend it before sending it."))
    if not offer.is_published(now):  # the email's link would lead members to a page they may not see yet
        raise OffersError(_("This offer is not published yet; publish it before sending it."))
    resolving = offer.sends.filter(status=SendStatus.RESOLVING).first()
    if resolving is not None:
        return resolving
    send = OfferSend.objects.create(offer=offer, started_by=actor, created_at=now)
    transaction.on_commit(lambda: _enqueue_resolve(send.pk))
    return send


def _enqueue_resolve(send_id: int) -> None:
    from offers.tasks import resolve_offer_send

    resolve_offer_send.delay(send_id)


def _chunks(items, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def offer_send_resolve(*, send_id: int, now: datetime | None = None) -> int:
    """Turn the audience into delivery rows grouped in batches; returns how many were queued.

    Safe to run twice: a send resolves once (its status moves on), and the offer lock keeps two sends of
    the same offer from resolving at the same moment.
    """
    now = now or timezone.now()
    send = OfferSend.objects.select_for_update().filter(pk=send_id).first()
    if send is None or send.status != SendStatus.RESOLVING:
        return 0
    offer = Offer.objects.select_for_update().select_related("club").get(pk=send.offer_id)
    counts = dict.fromkeys(
        (selectors.ALREADY_SENT, selectors.OPTED_OUT, selectors.UNSUBSCRIBED, selectors.CAPPED, selectors.SUPPRESSED), 0
    )
    recipients: list[int] = []
    for user_id, reach in (
        selectors.offer_audience(offer=offer, now=now).order_by("user_id").values_list("user_id", "reach")
    ):
        if reach == selectors.REACH:
            recipients.append(user_id)
        else:
            counts[reach] += 1
    batch_ids = []
    for chunk in _chunks(recipients, settings.OFFER_BATCH_SIZE):
        batch = DeliveryBatch.objects.create(send=send, queued_at=now)
        OfferDelivery.objects.bulk_create(
            [
                OfferDelivery(offer=offer, club_id=offer.club_id, user_id=user_id, batch=batch, created_at=now)
                for user_id in chunk
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        batch_ids.append(batch.pk)
    send.queued_count = len(recipients)
    send.already_sent = counts[selectors.ALREADY_SENT]
    send.skipped_opted_out = counts[selectors.OPTED_OUT]
    send.skipped_unsubscribed = counts[selectors.UNSUBSCRIBED]
    send.skipped_capped = counts[selectors.CAPPED]
    send.skipped_suppressed = counts[selectors.SUPPRESSED]
    send.resolved_at = now
    send.status = SendStatus.SENDING if batch_ids else SendStatus.DONE
    send.finished_at = None if batch_ids else now
    send.save()
    transaction.on_commit(lambda: _enqueue_batches(batch_ids))
    return len(recipients)


@dataclass(frozen=True)
class BatchOutcome:
    status: str  # "sent", "failed", "retry", "busy" (another worker holds it), "done" (nothing left to do)
    sent: int = 0
    failed: int = 0
    in_doubt: int = 0


def _batch_claim(batch_id: int, now: datetime) -> tuple[DeliveryBatch | None, str, int]:
    """Take the batch for this worker: (batch, token, in-doubt count) or (None, why not, 0)."""
    with transaction.atomic():
        batch = DeliveryBatch.objects.select_for_update(skip_locked=True).filter(pk=batch_id).first()
        if batch is None:
            return None, "busy", 0  # another worker is claiming it this very moment (or it is gone)
        if batch.status in (BatchStatus.SENT, BatchStatus.FAILED):
            return None, "done", 0
        if batch.status == BatchStatus.SENDING and batch.lease_until and batch.lease_until > now:
            return None, "busy", 0
        in_doubt = batch.deliveries.filter(status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED, error=IN_DOUBT
        )
        batch.status = BatchStatus.SENDING
        batch.claim_token = uuid.uuid4().hex
        batch.lease_until = now + _lease()
        batch.attempts += 1
        batch.save(update_fields=["status", "claim_token", "lease_until", "attempts"])
        return batch, batch.claim_token, in_doubt


def _lease_renew(batch_id: int, token: str) -> bool:
    return bool(
        DeliveryBatch.objects.filter(pk=batch_id, claim_token=token, status=BatchStatus.SENDING).update(
            lease_until=timezone.now() + _lease()
        )
    )


def offer_batch_send(*, batch_id: int, now: datetime | None = None) -> BatchOutcome:
    """Send one batch over one SMTP connection, one commit point per chunk. Not atomic on purpose.

    Raises BatchRetry when the mail server failed part-way; the deliveries it did not accept stay pending.
    """
    batch, token, in_doubt = _batch_claim(batch_id, now or timezone.now())
    if batch is None:
        return BatchOutcome(status=token)
    offer = Offer.objects.select_related("club").get(pk=batch.send.offer_id)
    deliveries = list(batch.deliveries.filter(status=DeliveryStatus.PENDING).select_related("user").order_by("pk"))
    renderer = OfferEmailRenderer(offer=offer, render_one=offer_email)
    state = _ChunkState()
    failure: Exception | None = None
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        failure = error
        deliveries = []
    smtp = getattr(connection, "connection", None)
    staged = isinstance(smtp, smtplib.SMTP)  # real SMTP: commit right before the first end-of-data dot
    if staged:
        socket_nodelay(smtp)
    try:
        for chunk in _chunks(deliveries, max(settings.OFFER_SEND_CHUNK_SIZE, 1)):
            ready = _chunk_prepare(chunk, renderer=renderer, state=state, batch_id=batch.pk, staged=staged)

            def commit_point(ready=ready) -> bool:
                """One commit per chunk: the last chunk's "sent" with its Message-IDs and this chunk's "sending".
                From here a crash leaves this chunk "in doubt", and none of it is ever sent again."""
                return _chunk_commit(batch.pk, token, state=state, sending=[delivery for delivery, _m in ready])

            if not ready:
                if not commit_point():
                    return BatchOutcome(status="busy", sent=state.sent, failed=state.failed, in_doubt=in_doubt)
                continue
            try:
                failure = _chunk_send(
                    ready, connection=connection, smtp=smtp if staged else None, commit_point=commit_point, state=state
                )
            except ClaimLost:
                logger.warning("Offer batch %s: lease lost to another worker; stopping here.", batch.pk)
                return BatchOutcome(status="busy", sent=state.sent, failed=state.failed, in_doubt=in_doubt)
            if failure is not None:
                break
        with transaction.atomic():
            _chunk_record(state)
    finally:
        # The messages were accepted or not before this; a failed QUIT changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    outcome = _batch_finish(batch.pk, token, failure=failure, sent=state.sent, failed=state.failed, in_doubt=in_doubt)
    if outcome.status == "retry":
        raise BatchRetry(str(failure))
    return outcome


@dataclass
class _ChunkState:
    """What the server accepted or refused since the last commit point, recorded at the next one."""

    accepted: list[OfferDelivery] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (delivery id, error)
    skipped: list[int] = field(default_factory=list)
    back_to_pending: list[int] = field(default_factory=list)
    sent: int = 0
    failed: int = 0


def _chunk_prepare(chunk, *, renderer: OfferEmailRenderer, state: _ChunkState, batch_id: int, staged: bool) -> list:
    """Each email of the chunk built before anything reaches the server: [(delivery, envelope or message)]."""
    ready = []
    # Suppressed since the audience was resolved (a bounce arrived meanwhile): nothing goes out. One question
    # for the whole chunk, asked right before its emails are built, not one per email.
    suppressed = renderer.suppressed_among(chunk)
    for delivery in chunk:
        if delivery.user.email in suppressed:
            state.skipped.append(delivery.pk)
            continue
        try:
            # Serialised now (a bad header fails this email alone, before the server sees it), and only once.
            if staged:
                ready.append((delivery, renderer.envelope_for(delivery)))
            else:
                message = renderer.email_for(delivery)
                message.message()
                ready.append((delivery, message))
        except EmailSuppressed:  # the per-member render's own check (a group rendered member by member)
            state.skipped.append(delivery.pk)
        except ValueError as error:  # BadHeaderError and other refusals of the email package
            # Nothing reached the server, so this is a plain failure, shown in the send's "Failed" count;
            # letting it escape would leave the batch "sending" until its lease ran out, then fail again.
            logger.warning("Offer batch %s: delivery %s could not be built: %s", batch_id, delivery.pk, error)
            state.failures.append((delivery.pk, f"the email could not be built: {error}"))
            state.failed += 1
    return ready


def _chunk_send(ready, *, connection, smtp, commit_point, state: _ChunkState) -> Exception | None:
    """Hand the chunk's emails to the server; the failure that stopped it, if any. Raises ClaimLost."""
    for index, (delivery, outgoing) in enumerate(ready):
        point = commit_point if index == 0 else None
        try:
            if smtp is not None:
                send_staged(smtp, outgoing, commit_point=point)
            else:
                if point is not None and not point():
                    raise ClaimLost
                if not connection.send_messages([outgoing]):
                    state.failures.append((delivery.pk, "the mail backend sent nothing"))
                    state.failed += 1
                    continue
        except ClaimLost:
            raise
        except RECIPIENT_REFUSALS as error:
            state.failures.append((delivery.pk, str(error)))
            state.failed += 1
            continue
        except InDoubt as error:
            # This one stays "sending" (the next claim records it in doubt); the rest was never handed over.
            state.back_to_pending.extend(other.pk for other, _m in ready[index + 1 :])
            return error
        except (smtplib.SMTPException, OSError) as error:
            # No 250 for this message: the server did not take it (nor the rest), so they may be sent again.
            state.back_to_pending.extend(other.pk for other, _m in ready[index:])
            return error
        state.accepted.append(delivery)
        state.sent += 1
    return None


def _chunk_commit(batch_id: int, token: str, *, state: _ChunkState, sending: list[OfferDelivery]) -> bool:
    """The commit point: False when this worker no longer holds the batch (then nothing of the chunk is sent)."""
    with transaction.atomic():
        held = _lease_renew(batch_id, token)  # also locks the batch row: no claim can pass it meanwhile
        _chunk_record(state)
        if not held:
            return False
        ids = [delivery.pk for delivery in sending]
        try:
            with transaction.atomic():
                marked = OfferDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
                    status=DeliveryStatus.SENDING
                )
                if marked != len(ids):
                    raise _ChunkTaken
        except _ChunkTaken:  # another worker moved one of them: send none of the chunk, mark none of it
            logger.warning("Offer batch %s: deliveries of a chunk were taken by another worker.", batch_id)
            return False
        return True


class _ChunkTaken(Exception):
    pass


def _chunk_record(state: _ChunkState) -> None:
    """The outcome since the last commit point: "sent" with each Message-ID in one statement, and the rest."""
    _deliveries_mark_sent(state.accepted)
    for delivery_id, error in state.failures:
        _delivery_fail(delivery_id, error)
    if state.skipped:
        OfferDelivery.objects.filter(pk__in=state.skipped, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SKIPPED, error=SUPPRESSED_ERROR
        )
    if state.back_to_pending:
        OfferDelivery.objects.filter(pk__in=state.back_to_pending, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING
        )
    state.accepted, state.failures, state.skipped, state.back_to_pending = [], [], [], []


def _deliveries_mark_sent(deliveries: list[OfferDelivery]) -> None:
    """One UPDATE per offer (a chunk holds one): each row's Message-ID is computed from its own id in SQL."""
    by_offer: dict[int, list[int]] = {}
    for delivery in deliveries:
        by_offer.setdefault(delivery.offer_id, []).append(delivery.pk)
    now = timezone.now()
    for offer_id, ids in by_offer.items():
        OfferDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENT, sent_at=now, message_id=delivery_message_id_sql(offer_id=offer_id)
        )


def _delivery_fail(delivery_id: int, error: str) -> None:
    OfferDelivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.FAILED, error=error[:255])


@transaction.atomic
def _batch_finish(
    batch_id: int, token: str, *, failure: Exception | None, sent: int, failed: int, in_doubt: int
) -> BatchOutcome:
    now = timezone.now()
    batch = DeliveryBatch.objects.select_for_update().get(pk=batch_id)
    if batch.claim_token != token:
        return BatchOutcome(status="busy", sent=sent, failed=failed, in_doubt=in_doubt)
    left = batch.deliveries.filter(status=DeliveryStatus.PENDING)
    if failure is not None and left.exists():
        batch.last_error = str(failure)[:2000] or failure.__class__.__name__
        if batch.attempts >= settings.OFFER_BATCH_MAX_ATTEMPTS:
            failed += left.update(status=DeliveryStatus.FAILED, error=batch.last_error[:255])
            batch.status, batch.finished_at = BatchStatus.FAILED, now
        else:
            batch.status, batch.lease_until, batch.claim_token = BatchStatus.PENDING, None, ""
            batch.queued_at = now + retry_delay(batch.attempts)
            batch.save()
            return BatchOutcome(status="retry", sent=sent, failed=failed, in_doubt=in_doubt)
    else:
        batch.status, batch.finished_at = BatchStatus.SENT, now
    # Nothing is left to retry, but an email handed over without an answer stays unresolved: in doubt.
    in_doubt += batch.deliveries.filter(status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED, error=IN_DOUBT
    )
    batch.lease_until = None
    batch.save()
    _send_finish_if_complete(batch.send_id, now)
    return BatchOutcome(status=batch.status, sent=sent, failed=failed, in_doubt=in_doubt)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 60 s, 2 min... capped at 30 min."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def _send_finish_if_complete(send_id: int, now: datetime) -> None:
    unfinished = DeliveryBatch.objects.filter(send_id=send_id).exclude(
        status__in=(BatchStatus.SENT, BatchStatus.FAILED)
    )
    if not unfinished.exists():
        OfferSend.objects.filter(pk=send_id, status=SendStatus.SENDING).update(status=SendStatus.DONE, finished_at=now)


@dataclass(frozen=True)
class ReconcileReport:
    resolves: int
    pending: int
    expired_leases: int


@transaction.atomic
def offer_sends_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Re-queue work whose broker message was lost (Redis restarted) or whose worker died.

    Enqueuing a batch twice is harmless: a second run finds it claimed or done and walks away.
    """
    now = now or timezone.now()
    stale = now - _lease()
    resolve_ids = list(
        OfferSend.objects.filter(status=SendStatus.RESOLVING, created_at__lt=stale).values_list("pk", flat=True)
    )
    # Pending batches normally wait their turn in the queue. Only when no worker has held or finished a
    # batch for a while, yet some are overdue, were their messages lost (Redis restarted): re-queue them.
    overdue = now - timedelta(seconds=settings.OFFER_BATCH_PENDING_SECONDS)
    workers_busy = DeliveryBatch.objects.filter(
        Q(status=BatchStatus.SENDING, lease_until__gte=now) | Q(finished_at__gte=overdue)
    ).exists()
    pending_ids = []
    if not workers_busy:
        pending = DeliveryBatch.objects.select_for_update(skip_locked=True).filter(
            status=BatchStatus.PENDING, queued_at__lt=overdue
        )
        pending_ids = list(pending.values_list("pk", flat=True))
    DeliveryBatch.objects.filter(pk__in=pending_ids).update(queued_at=now)
    # A lease ran out: its worker died (or lost the database). Back to the queue once; the next claim marks
    # the email that worker had in flight "in doubt" and sends the rest.
    expired_ids = list(
        DeliveryBatch.objects.select_for_update(skip_locked=True)
        .filter(status=BatchStatus.SENDING, lease_until__lt=now)
        .values_list("pk", flat=True)
    )
    DeliveryBatch.objects.filter(pk__in=expired_ids).update(
        status=BatchStatus.PENDING, claim_token="", lease_until=None, queued_at=now
    )
    for send_id in resolve_ids:
        transaction.on_commit(lambda send_id=send_id: _enqueue_resolve(send_id))
    transaction.on_commit(lambda: _enqueue_batches(pending_ids + expired_ids))
    if resolve_ids or pending_ids or expired_ids:
        logger.info(
            "Offer sends re-queued: %s resolves, %s pending batches, %s expired leases.",
            len(resolve_ids),
            len(pending_ids),
            len(expired_ids),
        )
    return ReconcileReport(resolves=len(resolve_ids), pending=len(pending_ids), expired_leases=len(expired_ids))
