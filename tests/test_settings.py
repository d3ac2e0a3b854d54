"""The environment decides the wiring; production settings pass Django's deploy checks."""

import os
import subprocess
import sys

from django.conf import settings

from config.settings.base import redis_is_reachable


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL", "CI")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=settings.BASE_DIR,
        check=False,
    )


SHOW_WIRING = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1])"
)


def test_without_redis_tasks_run_in_process_and_the_log_says_so_once():
    result = run_python(SHOW_WIRING, DJANGO_SETTINGS_MODULE="config.settings.local", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "LocMemCache"]
    assert result.stderr.count("Celery tasks run in-process") == 1
    assert "not reachable" in result.stderr


def test_redis_url_that_answers_is_broker_and_cache():
    if not redis_is_reachable("redis://127.0.0.1:6379/0"):
        import pytest

        pytest.skip("no Redis on 127.0.0.1:6379")
    result = run_python(
        SHOW_WIRING, DJANGO_SETTINGS_MODULE="config.settings.local", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.stdout.split() == ["False", "RedisCache"]


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "a-long-random-production-secret-key-with-many-characters-0123456789",
            "ALLOWED_HOSTS": "clubs.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
