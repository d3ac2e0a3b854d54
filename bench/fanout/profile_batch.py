"""Profile one offer batch in one process: where a worker's time goes per email, without Celery or Redis.

    .venv/bin/python bench/fanout/profile_batch.py [--members 500] [--rounds 2] [--top 30] [--sort tottime]

Seeds a PostgreSQL database (``bench_fanout_profile``, dropped afterwards) with one club as bench/fanout does,
starts an aiosmtpd sink in a process of its own (so it takes nothing from the profiled process), resolves one
send into batches of ``--members`` and sends each round's batch with ``offer_batch_send`` under cProfile.
Prints emails/s per round (a figure of this one process, not the bench's ratio) and the profile of the last.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2, help="offers sent one after the other (the first warms up)")
    parser.add_argument("--chunk-size", type=int, default=0, help="OFFER_SEND_CHUNK_SIZE; 0: the default setting")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--db-name", default="bench_fanout_profile")
    parser.add_argument("--smtp-port", type=int, default=2527)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def wait_for_port(port: int, seconds: float = 15) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def main() -> int:
    args = parse_args()
    from bench.fanout.run import recreate_database, recreate_database_drop, seed

    recreate_database(args)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "False",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
            "REDIS_URL": "",
            "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}",
            "SITE_URL": "https://clubs.example.com",
            "OFFER_BATCH_SIZE": str(args.members),
            **({"OFFER_SEND_CHUNK_SIZE": str(args.chunk_size)} if args.chunk_size else {}),
            "LOG_LEVEL": "WARNING",
        }
    )
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{args.smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(args.smtp_port)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction
        from django.utils import timezone

        from offers.models import DeliveryBatch, Offer
        from offers.services import sending

        call_command("migrate", verbosity=0)
        club, leader, _emails = seed(args.members)
        sending._enqueue_batches = lambda batch_ids: None  # this process sends the batch itself
        profile = None
        for round_number in range(1, args.rounds + 1):
            offer = Offer.objects.create(
                club=club,
                title=f"Nutritionist session ({round_number})",
                body="One hour with our nutritionist to plan your next month of meals.",
                price_minor=2500,
                currency="USD",
                valid_from=timezone.now(),
                publish_at=timezone.now(),
                created_by=leader,
            )
            with transaction.atomic():
                send = sending.offer_send_start(offer=offer, actor=leader)
            # Eager tasks resolved it on commit; resolve here when they did not.
            sending.offer_send_resolve(send_id=send.pk)
            batch = DeliveryBatch.objects.filter(send=send).get()
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            outcome = sending.offer_batch_send(batch_id=batch.pk)
            profile.disable()
            seconds = time.perf_counter() - started
            print(
                f"round {round_number}: {outcome.status}, {outcome.sent} sent in {seconds:.2f} s, "
                f"{outcome.sent / seconds:.0f} emails/s (one process, profiled), load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        sink.terminate()
        sink.wait()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database_drop(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
