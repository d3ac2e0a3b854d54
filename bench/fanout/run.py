"""Offer email fan-out benchmark: one offer to N members through a real SMTP server, Celery worker and Redis.

    .venv/bin/python bench/fanout/run.py [--members 50000] [--concurrency 2] [--scenarios normal,kill,redis]
                                         [--chunk-size N] [--ceiling-messages 4000] [--target 0.65]

1. Drops and recreates a PostgreSQL database, migrates it, and seeds one club with N members with access
   (bulk inserts; languages en/de/ar/fa in turn).
2. Starts a private Redis (its own port, so restarting it disturbs nobody), an aiosmtpd SMTP server in this
   process that records every accepted message by recipient and Message-ID, and
   ``celery -A config worker --beat -Q celery,email`` (the periodic reconciler runs in its beat).
3. Per scenario, posts a new offer and presses "Send to members" through ``offer_send_start`` inside a
   transaction, exactly as the view does. It samples the worker's memory (RSS of its whole process group)
   and waits until every delivery is sent or failed.
   - ``normal``: nothing goes wrong.
   - ``kill``: when 40% are sent, SIGKILL the worker's whole process group mid-batch, then start a new one.
   - ``redis``: when 40% are sent, SIGKILL Redis (no persistence: every queued message is lost) and restart it.
4. Checks the SMTP server's record: every member exactly one email, no Message-ID twice. Deliveries "in doubt"
   (the worker died between a chunk's commit point and recording it sent) are never resent; the bench reports
   whether the SMTP server had received them.
5. The ceiling, measured for each scenario just before and just after it (the mean of the two): the scenario's
   offer emails pre-rendered (one per language, exactly as members get them), sent with smtplib over one
   connection from a process of its own (``ceiling.py``) to the same aiosmtpd sink. Each scenario's ratio is
   its emails/s (press to last delivery) over that ceiling; the last line is the worst ratio,
   ``ratio=<x> target=0.65 PASS|FAIL``, and the exit status is 1 on FAIL (a failed check fails too).

Only loopback traffic.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MESSAGE_ID = re.compile(rb"^Message-ID:\s*<offer-(\d+)\.delivery-(\d+)@", re.MULTILINE | re.IGNORECASE)
LANGUAGES = ("en", "de", "ar", "fa")


# --- SMTP server -------------------------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler: accept everything, remember who got which message."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_recipient: Counter = Counter()  # (offer id, recipient) -> messages
        self.by_message_id: Counter = Counter()  # (offer id, delivery id) -> messages

    async def handle_DATA(self, server, session, envelope):
        match = MESSAGE_ID.search(envelope.original_content or envelope.content)
        offer_id = int(match.group(1)) if match else 0
        with self.lock:
            if match:
                self.by_message_id[(offer_id, int(match.group(2)))] += 1
            for recipient in envelope.rcpt_tos:
                self.by_recipient[(offer_id, recipient.lower())] += 1
        return "250 Message accepted for delivery"

    def for_offer(self, offer_id: int) -> tuple[Counter, Counter]:
        with self.lock:
            recipients = Counter({rcpt: n for (offer, rcpt), n in self.by_recipient.items() if offer == offer_id})
            ids = Counter({delivery: n for (offer, delivery), n in self.by_message_id.items() if offer == offer_id})
        return recipients, ids


def start_smtp(port: int) -> tuple[object, Recorder]:
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    return controller, recorder


# --- Processes ---------------------------------------------------------------------------------------


@dataclass
class Redis:
    port: int
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@dataclass
class Worker:
    env: dict
    concurrency: int
    workdir: Path
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.workdir / f"worker-{self.starts}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "config",
                "worker",
                "--beat",
                "-s",
                str(self.workdir / "celerybeat-schedule"),
                "-Q",
                "celery,email",
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"bench{self.starts}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool children and beat too
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: see {self.log_path}")
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after 60 s: see {self.log_path}")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def group_rss_kib(pgid: int) -> tuple[int, int]:
    """(total, largest) resident memory of a process group, in KiB, read from /proc."""
    total = largest = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                    total += rss
                    largest = max(largest, rss)
        except (OSError, ValueError, IndexError):
            continue
    return total, largest


class MemorySampler(threading.Thread):
    def __init__(self, worker: Worker):
        super().__init__(daemon=True)
        self.worker = worker
        self.peak_total = self.peak_largest = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            process = self.worker.process
            if process is not None and process.poll() is None:
                total, largest = group_rss_kib(process.pid)
                self.peak_total, self.peak_largest = max(self.peak_total, total), max(self.peak_largest, largest)
            time.sleep(0.2)


# --- Database ----------------------------------------------------------------------------------------


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{args.db_name}"')


def seed(members: int):
    from django.utils import timezone

    from clubs.models import (
        Club,
        Consent,
        ConsentPurpose,
        ConsentSource,
        ConsentStatus,
        Membership,
        MembershipStatus,
        Plan,
    )
    from members.models import User

    club = Club.objects.create(
        name="Healthy and Happy Club", slug="healthy-and-happy", currency="USD", max_offer_emails_per_week=14
    )
    plan = Plan.objects.create(club=club, name="Monthly", interval="month", price_minor=500, currency="USD")
    leader = User.objects.create(email="leader@bench.example", display_name="Lea Leader", password="!")
    club.leaders.add(leader)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"member{index:06d}@bench.example",
                display_name=f"Member {index}",
                password="!",
                preferred_language=LANGUAGES[index % len(LANGUAGES)],
            )
            for index in range(members)
        ],
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        [Membership(user=user, club=club, plan=plan, status=MembershipStatus.ACTIVE, started_at=now) for user in users],
        batch_size=5000,
    )
    # Offers go only to members who agreed to them (clubs/consent.py): every seeded member did, at checkout.
    Consent.objects.bulk_create(
        [
            Consent(
                user=user,
                club=club,
                purpose=ConsentPurpose.OFFERS,
                status=ConsentStatus.GIVEN,
                source=ConsentSource.CHECKOUT,
                given_at=now,
            )
            for user in users
        ],
        batch_size=5000,
    )
    return club, leader, {user.email for user in users}


# --- The ceiling ---------------------------------------------------------------------------------------


def ceiling_samples(*, club, leader, workdir: Path) -> list[Path]:
    """One offer email per language, exactly as members get it, written out as the bytes SMTP carries."""
    from django.utils import timezone

    from members.models import User
    from offers.emails import offer_email
    from offers.models import Offer, OfferDelivery

    offer = Offer.objects.create(
        club=club,
        title="Nutritionist session (ceiling sample)",
        body="One hour with our nutritionist to plan your next month of meals.",
        price_minor=2500,
        currency="USD",
        valid_from=timezone.now(),
        created_by=leader,
    )
    paths = []
    for language in LANGUAGES:
        user = User.objects.filter(preferred_language=language).exclude(pk=leader.pk).order_by("pk").first()
        delivery = OfferDelivery(pk=10**9, offer=offer, club=club, user=user)  # unsaved, yet tracked like a real one
        data = offer_email(delivery=delivery, offer=offer).message().as_bytes(linesep="\r\n")
        path = workdir / f"ceiling-{language}.eml"
        path.write_bytes(data.replace(b"<offer-", b"<ceiling-"))  # not counted as any scenario's email
        paths.append(path)
    return paths


def measure_ceiling(samples: list[Path], *, port: int, count: int) -> float:
    """Emails/s of pre-rendered messages over one smtplib connection, in a process of its own."""
    rates = []
    per_sample = max(count // len(samples), 1)
    for sample in samples:
        output = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("ceiling.py")), str(sample), str(port), str(per_sample)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split()
        rates.append(int(output[0]) / float(output[1]))
    return len(rates) / sum(1 / rate for rate in rates)  # the mix of languages: harmonic mean


# --- One scenario --------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    members: int
    seconds: float = 0.0
    sent: int = 0
    failed: int = 0
    in_doubt: int = 0
    in_doubt_received: int = 0
    exactly_one: int = 0
    none: int = 0
    twice_or_more: int = 0
    duplicate_message_ids: int = 0
    peak_rss_mib: float = 0.0
    peak_process_rss_mib: float = 0.0
    ceiling: float = 0.0
    chaos_at: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.twice_or_more == 0
            and self.duplicate_message_ids == 0
            and self.none == self.in_doubt - (self.in_doubt_received)
        )

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.per_second / self.ceiling if self.ceiling else 0.0


def run_scenario(
    name: str, *, club, leader, emails: set[str], worker: Worker, redis: Redis, recorder, samples, args
) -> Result:
    from django.db import transaction
    from django.db.models import Count, Q
    from django.utils import timezone

    from offers.models import DeliveryStatus, Offer, OfferDelivery, OfferSend, SendStatus
    from offers.services.sending import IN_DOUBT, offer_send_start

    result = Result(scenario=name, members=len(emails))
    worker.start()
    # The ceiling of this scenario, measured beside the idle worker just before the send and again just after
    # it (the machine's load drifts): the mean of the two.
    ceiling_before = measure_ceiling(samples, port=args.smtp_port, count=args.ceiling_messages)
    sampler = MemorySampler(worker)
    sampler.start()
    offer = Offer.objects.create(
        club=club,
        title=f"Nutritionist session ({name})",
        body="One hour with our nutritionist to plan your next month of meals.",
        price_minor=2500,
        currency="USD",
        valid_from=timezone.now(),
        publish_at=timezone.now(),  # a draft cannot be sent
        created_by=leader,
    )
    started = time.monotonic()
    with transaction.atomic():
        send = offer_send_start(offer=offer, actor=leader)
    chaos_done = name == "normal"
    while True:
        time.sleep(0.25)
        counts = OfferDelivery.objects.filter(offer=offer).aggregate(
            sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
            failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
            open=Count("pk", filter=Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING))),
        )
        status = OfferSend.objects.filter(pk=send.pk).values_list("status", flat=True).get()
        if not chaos_done and counts["sent"] >= len(emails) * args.chaos_fraction:
            chaos_done = True
            result.chaos_at = counts["sent"]
            if name == "kill":
                worker.kill()
                result.notes.append(f"worker SIGKILLed at {counts['sent']} sent")
                time.sleep(1)
                worker.start()
            elif name == "redis":
                redis.kill()
                result.notes.append(f"Redis SIGKILLed at {counts['sent']} sent (queued messages lost)")
                time.sleep(2)
                redis.start()
        if status == SendStatus.DONE and counts["open"] == 0:
            break
        if time.monotonic() - started > args.timeout:
            result.notes.append(f"TIMEOUT with {counts}")
            break
    result.seconds = time.monotonic() - started
    time.sleep(0.5)  # let the SMTP server finish recording the last message
    sampler.stopping.set()
    sampler.join()
    ceiling_after = measure_ceiling(samples, port=args.smtp_port, count=args.ceiling_messages)
    result.ceiling = (ceiling_before + ceiling_after) / 2
    result.notes.append(f"ceiling before / after {ceiling_before:,.0f} / {ceiling_after:,.0f} emails/s")
    worker.stop()
    result.peak_rss_mib = sampler.peak_total / 1024
    result.peak_process_rss_mib = sampler.peak_largest / 1024
    deliveries = OfferDelivery.objects.filter(offer=offer)
    result.sent = deliveries.filter(status=DeliveryStatus.SENT).count()
    result.failed = deliveries.filter(status=DeliveryStatus.FAILED).count()
    in_doubt_ids = set(deliveries.filter(error=IN_DOUBT).values_list("pk", flat=True))
    result.in_doubt = len(in_doubt_ids)
    by_recipient, by_message_id = recorder.for_offer(offer.pk)
    result.in_doubt_received = sum(1 for delivery_id in in_doubt_ids if by_message_id.get(delivery_id))
    result.exactly_one = sum(1 for email in emails if by_recipient.get(email) == 1)
    result.none = sum(1 for email in emails if not by_recipient.get(email))
    result.twice_or_more = sum(1 for email in emails if by_recipient.get(email, 0) > 1)
    result.duplicate_message_ids = sum(1 for n in by_message_id.values() if n > 1)
    return result


# --- Main --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (prefork)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--chunk-size", type=int, default=0, help="OFFER_SEND_CHUNK_SIZE (emails per commit); 0: the default setting"
    )
    parser.add_argument("--ceiling-messages", type=int, default=4000, help="messages of the ceiling measurement")
    parser.add_argument("--target", type=float, default=0.65, help="the worst ratio to the ceiling that passes")
    parser.add_argument("--scenarios", default="normal,kill,redis")
    parser.add_argument("--chaos-fraction", type=float, default=0.4)
    parser.add_argument("--lease", type=int, default=20, help="OFFER_BATCH_LEASE_SECONDS")
    parser.add_argument("--pending", type=int, default=30, help="OFFER_BATCH_PENDING_SECONDS")
    parser.add_argument("--reconcile-every", type=int, default=5, help="OFFER_RECONCILE_SECONDS (beat)")
    parser.add_argument("--db-name", default="bench_fanout")
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--smtp-port", type=int, default=2526)
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--keep", action="store_true", help="keep the database and worker logs")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    redis = Redis(port=args.redis_port)
    redis.start()
    recreate_database(args)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}",
        "SITE_URL": "https://clubs.example.com",
        "OFFER_BATCH_SIZE": str(args.batch_size),
        **({"OFFER_SEND_CHUNK_SIZE": str(args.chunk_size)} if args.chunk_size else {}),
        "OFFER_BATCH_LEASE_SECONDS": str(args.lease),
        "OFFER_BATCH_PENDING_SECONDS": str(args.pending),
        "OFFER_RECONCILE_SECONDS": str(args.reconcile_every),
        "LOG_LEVEL": "WARNING",
        "HTTPS_PROXY": "http://127.0.0.1:9",  # an accidental call to the internet fails at once
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seeding = time.monotonic()
    club, leader, emails = seed(args.members)
    print(f"Seeded {len(emails):,} members in {time.monotonic() - seeding:.1f} s")
    controller, recorder = start_smtp(args.smtp_port)
    samples = ceiling_samples(club=club, leader=leader, workdir=workdir)
    worker = Worker(env=env, concurrency=args.concurrency, workdir=workdir)
    results = []
    try:
        for name in args.scenarios.split(","):
            print(f"Running {name}...", flush=True)
            results.append(
                run_scenario(
                    name,
                    club=club,
                    leader=leader,
                    emails=emails,
                    worker=worker,
                    redis=redis,
                    recorder=recorder,
                    samples=samples,
                    args=args,
                )
            )
            print_result(results[-1])
    finally:
        worker.stop()
        controller.stop()
        redis.kill()
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Worker logs: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            recreate_database_drop(args)
    print_summary(results, args)
    worst = min((result.ratio for result in results), default=0.0)
    passed = bool(results) and all(result.ok for result in results) and worst >= args.target
    print(f"ratio={worst:.3f} target={args.target:.2f} {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def recreate_database_drop(args) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')


def print_result(result: Result) -> None:
    print(
        f"  {result.scenario}: {result.seconds:.1f} s, {result.per_second:,.0f} emails/s, sent {result.sent:,}, "
        f"failed {result.failed}, in doubt {result.in_doubt} (received by SMTP: {result.in_doubt_received}); "
        f"members with exactly one email {result.exactly_one:,}, none {result.none}, twice or more "
        f"{result.twice_or_more}, duplicate Message-IDs {result.duplicate_message_ids}; ceiling "
        f"{result.ceiling:,.0f} emails/s, ratio {result.ratio:.3f}; peak worker RSS "
        f"{result.peak_rss_mib:.0f} MiB (largest process {result.peak_process_rss_mib:.0f} MiB) "
        f"{'; '.join(result.notes)} -> {'OK' if result.ok else 'FAIL'}",
        flush=True,
    )


def print_summary(results: list[Result], args) -> None:
    import platform

    from django.conf import settings

    print()
    print(
        f"Fan-out of one offer to {args.members:,} members, batches of {args.batch_size}, chunks of "
        f"{settings.OFFER_SEND_CHUNK_SIZE}, {args.concurrency} worker processes, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {' / '.join(f'{n:.1f}' for n in os.getloadavg())}"
    )
    print(
        "| scenario | total time | emails/s | ceiling emails/s | ratio | peak worker RSS (group / largest process) | "
        "exactly one email | none | twice | in doubt (received) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for result in results:
        print(
            f"| {result.scenario} | {result.seconds:.1f} s | {result.per_second:,.0f} | {result.ceiling:,.0f} | "
            f"{result.ratio:.3f} | "
            f"{result.peak_rss_mib:.0f} / {result.peak_process_rss_mib:.0f} MiB | {result.exactly_one:,} / "
            f"{result.members:,} | {result.none} | {result.twice_or_more} | {result.in_doubt} "
            f"({result.in_doubt_received}) |"
        )


if __name__ == "__main__":
    sys.exit(main())
