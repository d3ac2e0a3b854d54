"""Load benchmark: each member page alone against a bare Django view, same gunicorn, same run (issue 20).

    .venv/bin/python bench/load/run.py [--members 20000 --events 1000 --achievements 100000 --offers 50]
                                       [--users 8 | --users 8,16] [--duration 60] [--blocks 6] [--workers CPUs]
                                       [--no-page-cache] [--keep] [--reuse]

1. Recreates a PostgreSQL database (``--db-name``, default returnpath_load), migrates it and seeds, in a
   child process, one large club (members, events, achievements, offers) and one small club with the
   same member, using the project's factories with bulk inserts. A part whose app or factory does not
   exist yet is skipped and the skip is printed. ``--keep`` keeps it and ``--reuse`` measures it again.
2. Counts the queries of each page on the large and on the small club (they should be equal: query
   counts constant in data size).
3. Starts gunicorn (gunicorn.conf.py, production settings plus a bare view at /bench/bare/: same middleware,
   signed-in session, no query of its own, no template) and loads one target at a time with ``--users``
   signed-in members in a closed loop (each sends its next request as soon as one returns, carrying the
   session and CSRF cookies as a browser does). Targets are the bare view and each page, alone: a mixed
   run would make every page's req/s equal by construction. ``--duration`` seconds per target are split
   into ``--blocks`` rounds that alternate the targets (and rotate who goes first), so every target sees
   the same machine load.
4. Prints req/s, p50/p95/p99 and the ratio to the bare view per page, one line per page
   ``<page>: ratio=<x> target=0.35 PASS|FAIL``, and last the worst ratio of the run as
   ``ratio=<x> target=0.35 PASS|FAIL``; exits 1 on FAIL. A page with failed requests counts as ratio 0.

The load generator is a small asyncio client in this process (no extra package). Only loopback traffic;
the machine running it is the machine being measured, so treat the figures as relative (page vs. bare
view in the same run) more than absolute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import importlib.metadata
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAGE_URL_NAMES = {
    "club home": "clubs:club-home",
    "events": "events:event-list",
    "feed": "feed:feed",
    "offers": "offers:offer-list",
}
# Issue 20: each member page alone serves at least this share of the bare view's requests per second.
TARGET_RATIO = 0.35


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- seeding (runs in a child process with Django set up) ------------------------------------


def bulk(model, objects, batch_size=5000):
    model.objects.bulk_create(objects, batch_size=batch_size)


def seed(args) -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from members.models import User
    from tests.factories import ClubFactory, MembershipFactory, PlanFactory

    report: dict = {"seeded": {}, "skipped": {}, "queries": {}, "pages": {}}
    started = time.monotonic()
    password = make_password("load-bench-password")

    def make_club(name, slug, members, events, achievements, offers, bench_member=None):
        club = ClubFactory(name=name, slug=slug, currency="USD", time_zone="Europe/Berlin")
        plan = PlanFactory(club=club, name="Monthly")
        users = [bench_member] if bench_member else []
        new_users = [
            User(email=f"{slug}-{index}@load.example", password=password, display_name=f"Member {index}")
            for index in range(members - len(users))
        ]
        bulk(User, new_users)
        users += list(User.objects.filter(email__endswith="@load.example", email__startswith=f"{slug}-"))
        bulk(
            MembershipFactory._meta.model, [MembershipFactory.build(user=user, club=club, plan=plan) for user in users]
        )
        counts = {"members": len(users)}
        counts.update(seed_events(club, events))
        counts.update(seed_achievements(club, users, achievements))
        counts.update(seed_offers(club, offers))
        return club, users, counts

    def skip(part, error):
        report["skipped"][part] = f"{error.__class__.__name__}: {error}"
        log(f"skipped {part}: {error}")
        return {}

    def seed_events(club, count):
        try:
            from datetime import timedelta

            from tests.events.factories import EventOccurrenceFactory, EventSeriesFactory
        except ImportError as error:
            return skip("events", error)
        series = EventSeriesFactory(club=club)
        # Half past, half upcoming, one a day: the list pages see a realistic mix.
        occurrences = [
            EventOccurrenceFactory.build(club=club, series=series, starts_in=timedelta(days=index - count // 2))
            for index in range(count)
        ]
        bulk(EventOccurrenceFactory._meta.model, occurrences)
        return {"events": count}

    def seed_achievements(club, users, count):
        try:
            from tests.feed.factories import AchievementFactory
        except ImportError as error:
            return skip("achievements", error)
        model = AchievementFactory._meta.model
        for start in range(0, count, 10_000):
            batch = [
                AchievementFactory.build(club=club, author=users[index % len(users)], text=f"Walked {index % 40} km")
                for index in range(start, min(count, start + 10_000))
            ]
            bulk(model, batch)
        return {"achievements": count}

    def seed_offers(club, count):
        try:
            from tests.offers.factories import OfferFactory
        except ImportError as error:
            return skip("offers", error)
        for _index in range(count):
            OfferFactory(club=club)
        return {"offers": count}

    member = User.objects.create(email="bench-member@load.example", password=password, display_name="Bench Member")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    large, _users, large_counts = make_club(
        "Large Club", "large-club", args.members, args.events, args.achievements, args.offers, bench_member=member
    )
    small, _small_users, small_counts = make_club("Small Club", "small-club", 5, 5, 10, 3, bench_member=member)
    report["seeded"] = {"large": large_counts, "small": small_counts}
    report["seed_seconds"] = round(time.monotonic() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    report["session"] = session.session_key

    client = Client()
    client.force_login(member)
    report["pages"]["bare view"] = "/bench/bare/"
    for page, url_name in PAGE_URL_NAMES.items():
        try:
            large_url, small_url = (reverse(url_name, args=[club.slug]) for club in (large, small))
        except NoReverseMatch as error:
            skip(f"page {page}", error)
            continue
        counts = []
        for url in (large_url, small_url):
            with CaptureQueriesContext(connection) as queries:
                status = client.get(url).status_code
            counts.append(len(queries) if status == 200 else f"HTTP {status}")
        if counts[0] != "HTTP 404":
            report["pages"][page] = large_url
        report["queries"][page] = {"large": counts[0], "small": counts[1]}
    print("SEED-REPORT " + json.dumps(report), flush=True)


# --- the run --------------------------------------------------------------------------------


def child_env(args, db_url: str, port: int = 0) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]),
        SECRET_KEY=args.secret_key,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL=db_url,
        REDIS_URL=args.redis_url,
        EMAIL_URL="dummymail://",
        SITE_URL="https://returnpath.example",
        DEFAULT_FROM_EMAIL="Returnpath <clubs@returnpath.example>",
        LOG_LEVEL="WARNING",
        REQUEST_LOG_LEVEL="WARNING",
        RATE_LIMITS_ENABLED="False",
        MEMBER_PAGE_CACHE_SECONDS="0" if args.no_page_cache else os.environ.get("MEMBER_PAGE_CACHE_SECONDS", "30"),
        WEB_CONCURRENCY=str(args.workers),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def pg(args, dbname: str):
    import psycopg

    return psycopg.connect(host=args.pg_host, port=args.pg_port, user=args.pg_user, dbname=dbname, autocommit=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, session: str = "", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers={"Cookie": f"sessionid={session}"} if session else {})
            status = connection.getresponse().status
            if status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {path} with 200 within {timeout}s (last status {status})")


def csrf_cookie(port: int, path: str, session: str) -> str:
    """The CSRF cookie a signed-in member's first page sets (their browser sends it back from then on)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    response = connection.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit(f"{path} set no csrftoken cookie")


def user_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or a comma-separated list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("user counts are whole numbers of at least 1")
    return counts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--achievements", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=50)
    parser.add_argument(
        "--users", type=user_counts, default=[8], help="concurrent members in a closed loop, or a list such as 8,16"
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per page (and for the bare view)")
    parser.add_argument("--blocks", type=int, default=6, help="alternating blocks the duration is split into")
    parser.add_argument(
        "--no-page-cache", action="store_true", help="serve with MEMBER_PAGE_CACHE_SECONDS=0 (every page rendered)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the database a --keep run seeded")
    # One sync worker per CPU: the pages are CPU-bound and PostgreSQL and the load generator share these CPUs, so more
    # workers only queue inside the kernel instead of in gunicorn (4 workers on 2 CPUs: 81 req/s, 2: 99).
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: CPUs)")
    parser.add_argument("--db-name", default="returnpath_load")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--secret-key", default=secrets.token_urlsafe(50), help=argparse.SUPPRESS)
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def seed_database(args, db_url: str) -> dict:
    """Seed in a child process (Django set up there, not here); returns its report."""
    log(
        f"seeding: {args.members} members, {args.events} events, {args.achievements} achievements, {args.offers} offers"
    )
    seeding = subprocess.run(
        [sys.executable, str(HERE / "run.py"), "--seed-only", *sys.argv[1:]],
        cwd=ROOT,
        env=child_env(args, db_url),
        capture_output=True,
        text=True,
    )
    if seeding.returncode != 0:
        sys.stderr.write(seeding.stdout[-3000:] + seeding.stderr[-5000:])
        raise SystemExit("seeding failed")
    sys.stdout.write("".join(line + "\n" for line in seeding.stdout.splitlines() if "SEED-REPORT" not in line))
    report = json.loads(seeding.stdout.split("SEED-REPORT ", 1)[1].splitlines()[0])
    log(f"seeded in {report['seed_seconds']} s: {json.dumps(report['seeded'])}")
    for part, reason in report["skipped"].items():
        log(f"SKIPPED {part}: {reason}")
    return report


def main() -> int:
    args = parse_args()
    if args.seed_only:
        seed(args)
        return 0
    db_url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
    workdir = Path(tempfile.mkdtemp(prefix="returnpath-load-"))
    saved_report = Path(tempfile.gettempdir()) / f"returnpath-load-{args.db_name}.json"
    with pg(args, "postgres") as connection:
        if not args.reuse:
            connection.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{args.db_name}"')
        server_version = connection.execute("SHOW server_version").fetchone()[0]
    gunicorn = None
    failed = True
    try:
        log(f"migrating {args.db_name}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=child_env(args, db_url),
            check=True,
        )
        if args.reuse:
            report = json.loads(saved_report.read_text())
            args.secret_key = report["secret_key"]  # the saved session is signed with it
            log(f"reusing {args.db_name} as seeded before: {json.dumps(report['seeded'])}")
        else:
            report = seed_database(args, db_url)
            if args.keep:
                saved_report.write_text(json.dumps({**report, "secret_key": args.secret_key}))

        port = free_port()
        log_file = (workdir / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=child_env(args, db_url, port),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(port, "/bench/bare/")
        for path in report["pages"].values():  # warm every worker's templates and connections
            for _ in range(args.workers * 2):
                wait_for(port, path, report["session"])
        log(f"gunicorn ({args.workers} workers) on 127.0.0.1:{port}")
        # A browser keeps the CSRF cookie the first page set; the member's cached pages are keyed on it.
        csrf = csrf_cookie(port, report["pages"]["club home"], report["session"])
        cookie = f"sessionid={report['session']}; csrftoken={csrf}"
        ratios = []
        for users in args.users:
            load_before = load_average()
            results = measure(args, report, port, users, cookie)
            ratios += print_results(args, report, results, server_version, users, load_before)
        worst = min((ratio for _name, ratio in ratios), default=0.0)
        print()
        print(f"ratio={worst:.3f} target={TARGET_RATIO} {'PASS' if worst >= TARGET_RATIO else 'FAIL'}")
        failed = worst < TARGET_RATIO
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        if not args.keep:
            with pg(args, "postgres") as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    return 1 if failed else 0


async def _fetch(port: int, request: bytes) -> tuple[int, float]:
    """One GET on a fresh connection (gunicorn's sync workers close each one): (status, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        data = await reader.read()  # "Connection: close": the answer ends with the connection
    finally:
        writer.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    return status, time.perf_counter() - started


async def _closed_loop(port: int, request: bytes, users: int, seconds: float) -> tuple[list[float], int, float]:
    """``users`` clients, each sending its next request as soon as one returns, for ``seconds``."""
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def user() -> None:
        nonlocal failures
        while time.monotonic() < deadline:
            try:
                status, elapsed = await _fetch(port, request)
            except OSError:
                status, elapsed = 0, 0.0
            if status == 200:
                latencies.append(elapsed)
            else:
                failures += 1

    started = time.monotonic()
    await asyncio.gather(*(user() for _ in range(users)))
    return latencies, failures, time.monotonic() - started


def measure(args, report, port: int, users: int, cookie: str) -> dict:
    """Each page alone and the bare view, in ``--blocks`` alternating rounds, so all see the same machine load."""
    targets = {
        "bare view": "/bench/bare/",
        **{name: report["pages"][name] for name in PAGE_URL_NAMES if name in report["pages"]},
    }
    block_seconds = max(1.0, args.duration / args.blocks)
    results = {name: {"latencies": [], "failures": 0, "seconds": 0.0} for name in targets}
    log(f"{users} users: {len(targets)} targets x {args.blocks} blocks of {block_seconds:.0f} s, each target alone")
    names = list(targets)
    for block in range(args.blocks):
        order = names[block % len(names) :] + names[: block % len(names)]  # who goes first rotates
        for name in order:
            request = (
                f"GET {targets[name]} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                "Accept-Language: en\r\nConnection: close\r\n\r\n"
            ).encode()
            latencies, failures, seconds = asyncio.run(_closed_loop(port, request, users, block_seconds))
            results[name]["latencies"] += latencies
            results[name]["failures"] += failures
            results[name]["seconds"] += seconds
    return results


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def print_results(args, report, results, server_version, users: int, load_before: str) -> list[tuple[str, float]]:
    """Print one measurement; returns (page, req/s ratio to the bare view) for each page."""
    print()
    print(
        f"Load: {users} users, {args.duration} s per target in {args.blocks} alternating blocks, gunicorn "
        f"{args.workers} sync workers, {os.cpu_count()} CPUs, Python {platform.python_version()}, PostgreSQL "
        f"{server_version}, Django {importlib.metadata.version('django')}, page cache "
        f"{'off' if args.no_page_cache else 'on'}, load average {load_before} before / {load_average()} after"
    )
    print(f"Seeded: {json.dumps(report['seeded'])}")
    if report["skipped"]:
        print(f"Skipped: {json.dumps(report['skipped'])}")
    header = f"{'page':<12} {'requests':>9} {'fails':>6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
    header += f"{'req/s ratio':>11} {'p95 x bare':>10} {'queries large/small':>20}"
    print(header)
    print("-" * len(header))
    bare = results["bare view"]
    bare_rate = len(bare["latencies"]) / bare["seconds"] if bare["seconds"] else float("nan")
    bare_p95 = percentile(bare["latencies"], 0.95)
    ratios = []
    for name, row in results.items():
        rate = len(row["latencies"]) / row["seconds"] if row["seconds"] else float("nan")
        p50, p95, p99 = (percentile(row["latencies"], share) for share in (0.5, 0.95, 0.99))
        queries = report["queries"].get(name, {})
        query_text = f"{queries.get('large', '-')}/{queries.get('small', '-')}" if queries else "-"
        print(
            f"{name:<12} {len(row['latencies']):>9} {row['failures']:>6} {rate:>8.1f} {p50:>7.1f} {p95:>7.1f} "
            f"{p99:>7.1f} {rate / bare_rate:>11.2f} {p95 / bare_p95:>10.2f} {query_text:>20}"
        )
        if name != "bare view":
            # A page that failed requests fails the target whatever its rate.
            ratios.append((name, 0.0 if row["failures"] else rate / bare_rate))
    unequal = [name for name, counts in report["queries"].items() if counts.get("large") != counts.get("small")]
    print("Queries constant in data size: " + ("yes" if not unequal else f"no for {', '.join(unequal)}"))
    for name, ratio in ratios:
        print(f"{name}: ratio={ratio:.3f} target={TARGET_RATIO} {'PASS' if ratio >= TARGET_RATIO else 'FAIL'}")
    return ratios


if __name__ == "__main__":
    sys.exit(main())
