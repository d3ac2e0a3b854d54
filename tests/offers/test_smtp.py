"""The real SMTP path (offers/smtp.py) against a real local SMTP server (aiosmtpd)."""

import smtplib
import socket
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from offers.models import BatchStatus, DeliveryBatch, DeliveryStatus, OfferDelivery
from offers.services.sending import IN_DOUBT, offer_send_start, offer_sends_reconcile
from tests.factories import UserFactory
from tests.offers.backends import WorkerKilled

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.received = Counter()

    async def handle_DATA(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            self.received[recipient] += 1
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_real_smtp_server_gets_each_member_once(
    club, offer, make_members, smtp_server, django_capture_on_commit_callbacks
):
    members = make_members(4)
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=UserFactory())
    assert smtp_server.received == Counter({member.email: 1 for member in members})
    assert set(OfferDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_smtp_socket_sets_tcp_nodelay(
    club, offer, make_members, smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    """The defect: the end-of-data dot, a small second write, waited ~40 ms per email in Nagle's algorithm."""
    make_members(3)
    seen = []
    real_send = smtplib.SMTP.send

    def spy(self, data):
        seen.append(self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", spy)
    with django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=UserFactory())
    assert seen and all(seen), seen  # every write of the batch went out on a NODELAY socket
    assert sum(smtp_server.received.values()) == 3


def test_worker_killed_mid_chunk_on_real_smtp_sends_nobody_twice(
    club, offer, make_members, smtp_server, settings, monkeypatch, django_capture_on_commit_callbacks
):
    members = make_members(3)  # one chunk: its commit point sits before the first email's dot
    settings.OFFER_SEND_CHUNK_SIZE = 3
    victim = members[1].email.encode()
    real_send = smtplib.SMTP.send

    def dies_while_sending_the_content(self, data):
        if isinstance(data, bytes) and victim in data and b"Subject:" in data:
            self.sock.close()
            raise WorkerKilled
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", dies_while_sending_the_content)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=UserFactory())
    monkeypatch.undo()
    assert smtp_server.received == Counter({members[0].email: 1})
    assert OfferDelivery.objects.filter(status=DeliveryStatus.SENDING).count() == 3

    DeliveryBatch.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        offer_sends_reconcile()

    assert smtp_server.received == Counter({members[0].email: 1})  # the chunk is in doubt: nothing is resent
    assert OfferDelivery.objects.filter(error=IN_DOUBT).count() == 3
    assert DeliveryBatch.objects.get().status == BatchStatus.SENT


def test_worker_killed_before_the_end_of_data_dot_resends_that_email_once(
    club, offer, make_members, smtp_server, settings, monkeypatch, django_capture_on_commit_callbacks
):
    members = make_members(3)
    settings.OFFER_SEND_CHUNK_SIZE = 1  # each email is its own chunk: the commit point is before its dot
    victim = members[1].email.encode()
    real_send = smtplib.SMTP.send

    def dies_while_sending_the_content(self, data):
        if isinstance(data, bytes) and victim in data and b"Subject:" in data:
            self.sock.close()  # the process is gone: so is its socket
            raise WorkerKilled
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", dies_while_sending_the_content)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        offer_send_start(offer=offer, actor=UserFactory())
    monkeypatch.undo()
    assert OfferDelivery.objects.get(user=members[1]).status == DeliveryStatus.PENDING  # never committed
    assert smtp_server.received[members[1].email] == 0  # the server dropped the unfinished message

    DeliveryBatch.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        offer_sends_reconcile()

    assert smtp_server.received == Counter({member.email: 1 for member in members})
    assert DeliveryBatch.objects.get().status == BatchStatus.SENT
    assert not OfferDelivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING)).exists()
