"""MEDIA_STORAGE's settings (issue 22): read from the environment by base.py (and so by production), and
checked by ``manage.py check`` when s3 is chosen. Needs no S3 server."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from core.storage import media_storage_check, private_s3_options, public_s3_options

S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "MEDIA_S3_BUCKET": "returnpath-media",
    "MEDIA_S3_ENDPOINT_URL": "https://s3.example.net",
    "MEDIA_S3_REGION": "eu-central-1",
    "MEDIA_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "MEDIA_S3_SECRET_ACCESS_KEY": "example-secret",
    "MEDIA_S3_CUSTOM_DOMAIN": "media.example.net",
    "MEDIA_S3_SIGNED_URL_SECONDS": "120",
}

PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'default': s.STORAGES['default'], 'mode': s.MEDIA_STORAGE, 'bucket': s.MEDIA_S3_BUCKET, "
    "'seconds': s.MEDIA_S3_SIGNED_URL_SECONDS, 'domain': s.MEDIA_S3_CUSTOM_DOMAIN}))"
)


def settings_in_a_fresh_process(module: str, extra_env: dict) -> dict:
    keep = {key: value for key, value in os.environ.items() if not key.startswith("MEDIA_")}
    env = {**keep, "DJANGO_SETTINGS_MODULE": module, **extra_env}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION_ENV = {
    "SECRET_KEY": "production-test-key-0123456789-0123456789-0123456789",
    "ALLOWED_HOSTS": "returnpath.example.net",
    "SITE_URL": "https://returnpath.example.net",
    "DEFAULT_FROM_EMAIL": "Returnpath <noreply@returnpath.example.net>",
    "BUILD_WITHOUT_REDIS": "true",
    "DATABASE_URL": "sqlite://:memory:",
}


def test_without_media_storage_uploads_stay_on_local_disk():
    loaded = settings_in_a_fresh_process("config.settings.test", {})
    assert loaded["mode"] == "local"
    assert loaded["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.mark.parametrize("module", ["config.settings.test", "config.settings.production"])
def test_media_storage_s3_is_read_from_the_environment(module):
    extra = {**PRODUCTION_ENV, **S3_ENV} if module.endswith("production") else S3_ENV
    loaded = settings_in_a_fresh_process(module, extra)
    assert loaded == {
        "default": {"BACKEND": "core.storage.PublicMediaS3Storage"},
        "mode": "s3",
        "bucket": "returnpath-media",
        "seconds": 120,
        "domain": "media.example.net",
    }


def test_production_keeps_local_disk_by_default():
    loaded = settings_in_a_fresh_process("config.settings.production", PRODUCTION_ENV)
    assert loaded["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.fixture
def s3_settings(settings):
    for name, value in S3_ENV.items():
        setattr(settings, name, int(value) if name.endswith("SECONDS") else value)
    settings.MEDIA_S3_PRIVATE_BUCKET = ""
    settings.MEDIA_S3_PRIVATE_PREFIX = "private"
    settings.MEDIA_S3_OBJECT_ACLS = True
    return settings


def error_ids() -> list[str]:
    return [error.id for error in media_storage_check()]


def test_local_needs_nothing(settings):
    settings.MEDIA_STORAGE = "local"
    settings.MEDIA_S3_BUCKET = ""
    assert error_ids() == []


def test_a_complete_s3_configuration_passes(s3_settings):
    assert error_ids() == []


def test_an_unknown_media_storage_is_refused(settings):
    settings.MEDIA_STORAGE = "ftp"
    assert error_ids() == ["core.E030"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"MEDIA_S3_BUCKET": ""}, ["core.E031"]),
        ({"MEDIA_S3_REGION": "", "MEDIA_S3_ENDPOINT_URL": ""}, ["core.E032"]),
        ({"MEDIA_S3_SECRET_ACCESS_KEY": ""}, ["core.E033"]),
        ({"MEDIA_S3_SIGNED_URL_SECONDS": 0}, ["core.E034"]),
        ({"MEDIA_S3_SIGNED_URL_SECONDS": 8 * 24 * 3600}, ["core.E034"]),
        ({"MEDIA_S3_PRIVATE_PREFIX": "/"}, ["core.E035"]),
    ],
)
def test_s3_without_what_it_needs_is_refused(s3_settings, changes, expected):
    for name, value in changes.items():
        setattr(s3_settings, name, value)
    assert error_ids() == expected


def test_no_keys_at_all_uses_the_hosts_own_credentials(s3_settings):
    s3_settings.MEDIA_S3_ACCESS_KEY_ID = s3_settings.MEDIA_S3_SECRET_ACCESS_KEY = ""
    assert error_ids() == []
    assert public_s3_options()["access_key"] is None and private_s3_options()["secret_key"] is None


def test_no_prefix_is_fine_with_a_private_bucket_of_its_own(s3_settings):
    s3_settings.MEDIA_S3_PRIVATE_PREFIX = ""
    s3_settings.MEDIA_S3_PRIVATE_BUCKET = "returnpath-private"
    assert error_ids() == []


def test_private_files_are_signed_private_and_never_on_the_public_domain(s3_settings):
    private, public = private_s3_options(), public_s3_options()
    assert (private["default_acl"], private["querystring_auth"], private["querystring_expire"]) == (
        "private",
        True,
        120,
    )
    assert private["custom_domain"] is None and private["location"] == "private"
    assert (public["default_acl"], public["querystring_auth"], public["custom_domain"]) == (
        "public-read",
        False,
        "media.example.net",
    )


def test_buckets_without_acls_get_none_sent(s3_settings):
    s3_settings.MEDIA_S3_OBJECT_ACLS = False
    assert private_s3_options()["default_acl"] is None and public_s3_options()["default_acl"] is None
