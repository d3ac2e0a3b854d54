"""The embedded SQLite default under concurrent requests: WAL, a busy timeout and IMMEDIATE transactions.

Runs in a subprocess on a real SQLite *file* (the test suite's in-memory database says nothing about file
locking): two members RSVP to the same event at the same instant, many rounds, through the real view.
"""

import json
import os
import subprocess
import sys

from django.conf import settings

ROUNDS = 15

PROBE = """
import json, sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

call_command("migrate", verbosity=0)
from events.models import Rsvp
from tests.events.factories import EventOccurrenceFactory
from tests.factories import ClubFactory, MembershipFactory

club = ClubFactory()
occurrence = EventOccurrenceFactory(club=club, capacity=1)
members = [MembershipFactory(club=club).user for _ in range(2)]
url = reverse("events:event-rsvp", args=[club.slug, occurrence.pk])
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
connection.close()

statuses, errors = [], []
rounds = int(sys.argv[1])
barrier = threading.Barrier(2)

def member_answers(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for number in range(rounds):
        barrier.wait()
        try:
            statuses.append(client.post(url, {"going": "yes" if number % 2 == 0 else "no"}).status_code)
        except Exception as error:
            errors.append(repr(error))
    connection.close()

threads = [threading.Thread(target=member_answers, args=(user,)) for user in members]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
going = Rsvp.objects.filter(occurrence=occurrence, status="going").count()
print(json.dumps({"journal_mode": journal_mode, "statuses": statuses, "errors": errors, "going": going}))
"""


def test_two_members_rsvp_at_once_on_a_sqlite_file_without_database_is_locked(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "REDIS_URL")}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SQLITE_BUSY_TIMEOUT_SECONDS="30",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROUNDS)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=environment,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal"
    assert report["errors"] == []
    assert report["statuses"] == [302] * (2 * ROUNDS)  # every answer redirected back: no 500, no lock error
    assert report["going"] <= 1  # capacity 1: the seat was never given twice
