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


SHOW_BROKER = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])"
)


def test_without_redis_local_uses_the_embedded_broker_and_a_shared_file_cache(tmp_path):
    result = run_python(
        SHOW_WIRING,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        REDIS_URL="redis://127.0.0.1:1/0",
        DEV_STATE_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    # Not eager: a worker in another process runs the tasks; the cache is one that every process sees.
    assert result.stdout.split() == ["False", "FileBasedCache"]
    broker = run_python(SHOW_BROKER, DJANGO_SETTINGS_MODULE="config.settings.local", DEV_STATE_DIR=str(tmp_path))
    assert broker.stdout.split() == ["filesystem://", str(tmp_path / "broker" / "queue")]
    assert (tmp_path / "broker" / "queue").is_dir()


def test_eager_tasks_are_for_the_test_profile_only():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    result = run_python(SHOW_WIRING, DJANGO_SETTINGS_MODULE="config.settings.local")
    assert result.stdout.split()[0] == "False"


def test_site_url_follows_host_and_port():
    show = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL, s.ALLOWED_HOSTS[-1])"
    )
    result = run_python(show, DJANGO_SETTINGS_MODULE="config.settings.local", HOST="localhost", PORT="8123")
    assert result.stdout.split() == ["http://localhost:8123", "localhost"]
    result = run_python(show, DJANGO_SETTINGS_MODULE="config.settings.local", PORT="8124")
    assert result.stdout.split()[0] == "http://127.0.0.1:8124"


def test_redis_url_that_answers_is_broker_and_cache():
    if not redis_is_reachable("redis://127.0.0.1:6379/0"):
        import pytest

        pytest.skip("no Redis on 127.0.0.1:6379")
    result = run_python(
        SHOW_WIRING, DJANGO_SETTINGS_MODULE="config.settings.local", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.stdout.split() == ["False", "RedisCache"]


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-with-many-characters-0123456789",
    "ALLOWED_HOSTS": "clubs.example.com",
    "SITE_URL": "https://clubs.example.com",
    "DEFAULT_FROM_EMAIL": "Returnpath <clubs@returnpath.app>",
}


def test_production_refuses_to_start_without_redis_url():
    result = run_python("import django; django.setup()", **PRODUCTION)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: REDIS_URL is not set." in result.stderr


def test_production_refuses_to_start_when_redis_is_unreachable_and_keeps_its_password_out_of_the_log():
    result = run_python("import django; django.setup()", **PRODUCTION, REDIS_URL="redis://:hunter2@127.0.0.1:1/0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL (127.0.0.1:1) is not reachable." in result.stderr
    assert "hunter2" not in result.stderr


def test_production_builds_an_image_without_redis_only_when_told_to():
    result = run_python(SHOW_WIRING, **PRODUCTION, BUILD_WITHOUT_REDIS="true")
    assert result.returncode == 0, result.stderr


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
            # Production refuses to start without Redis (it runs here and in CI).
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            # And without an https site address and a real sending domain (core/checks.py).
            "SITE_URL": "https://clubs.returnpath.app",
            "DEFAULT_FROM_EMAIL": "Returnpath <clubs@returnpath.app>",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
