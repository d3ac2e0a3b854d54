"""Database settings come from the environment, with the defaults a single host wants."""

import json
import os
import subprocess
import sys

import pytest

READ_DATABASE_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['DISABLE_SERVER_SIDE_CURSORS']]))"
)


def database_settings(**environment) -> list:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 50}
    env.update(ALLOWED_HOSTS="example.com", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    env.update(REDIS_URL="redis://127.0.0.1:6379/0")  # production refuses to start without a reachable Redis
    env.update(SITE_URL="https://clubs.returnpath.app", DEFAULT_FROM_EMAIL="Returnpath <clubs@returnpath.app>")
    for name in ("CONN_MAX_AGE", "DB_DISABLE_SERVER_SIDE_CURSORS"):
        env.pop(name, None)
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", READ_DATABASE_SETTINGS], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_and_server_side_cursors_by_default():
    assert database_settings() == [60, False]


@pytest.mark.parametrize(("value", "expected"), [("True", True), ("true", True), ("False", False), ("0", False)])
def test_server_side_cursors_can_be_turned_off_for_pgbouncer_transaction_pooling(value, expected):
    assert database_settings(DB_DISABLE_SERVER_SIDE_CURSORS=value, CONN_MAX_AGE="0") == [0, expected]
