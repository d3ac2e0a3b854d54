"""Production never installs, routes to or imports devtools (the Stripe emulator, the demo checkout, demo seeding);
local settings install it, and name the emulator as Stripe's stand-in only in demo mode (DEBUG on, no key)."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

RUNTIME_PACKAGES = [
    "members",
    "clubs",
    "events",
    "feed",
    "billing",
    "offers",
    "automations",
    "analytics",
    "core",
    "config",
]
NOT_RUNTIME = ["config.settings.local", "config.settings.test"]

IMPORT_EVERYTHING = f"""
import importlib, json, pkgutil, sys
import django

django.setup()
from django.conf import settings
from django.urls import Resolver404, get_resolver, resolve


def _resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


imported = []
for name in {RUNTIME_PACKAGES!r}:
    package = importlib.import_module(name)
    imported.append(name)
    for module in pkgutil.walk_packages(package.__path__, prefix=name + "."):
        if module.name not in {NOT_RUNTIME!r}:
            importlib.import_module(module.name)
            imported.append(module.name)
print(json.dumps({{
    "imported": imported,
    "devtools_modules": sorted(name for name in sys.modules if name.split(".")[0] == "devtools"),
    "installed": "devtools" in settings.INSTALLED_APPS,
    "namespaces": sorted(get_resolver().namespace_dict),
    "client_factory": settings.STRIPE_CLIENT_FACTORY,
    "email_backend": settings.EMAIL_BACKEND,
    "outbox_resolves": _resolves("/dev/outbox/"),
    "context_processors": settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
}}))
"""

SHOW_STRIPE_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps(['devtools' in s.INSTALLED_APPS, s.STRIPE_CLIENT_FACTORY, s.STRIPE_WEBHOOK_SECRET]))"
)


def run_python(code: str, **env) -> dict | list:
    """Run ``code`` in a fresh interpreter with only the environment given (no .env of the developer's)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:", **env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_imports_every_runtime_module_without_devtools():
    report = run_python(
        IMPORT_EVERYTHING,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-long-random-production-secret-key-with-many-characters-0123456789",
        ALLOWED_HOSTS="clubs.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",  # production refuses to start without a reachable Redis
        SITE_URL="https://clubs.returnpath.app",  # required in production, with the sending address
        DEFAULT_FROM_EMAIL="Returnpath <clubs@returnpath.app>",
    )
    assert {"billing.gateway", "billing.views", "clubs.views", "config.urls", "offers.views"} <= set(report["imported"])
    assert report["devtools_modules"] == []
    assert report["installed"] is False
    assert "devtools" not in report["namespaces"]
    assert report["client_factory"] == ""
    # The local outbox: never the email backend, never routed, no demo banner.
    assert "devtools" not in report["email_backend"]
    assert report["outbox_resolves"] is False
    assert not any(name.startswith("devtools") for name in report["context_processors"])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, [True, "devtools.stripe_emulator.demo_client", "whsec_returnpath_local_demo"]),
        ({"DEBUG": "False"}, [True, "", ""]),
        ({"STRIPE_SECRET_KEY": "sk_test_real", "STRIPE_WEBHOOK_SECRET": "whsec_real"}, [True, "", "whsec_real"]),
    ],
    ids=["demo-mode", "debug-off", "stripe-key-set"],
)
def test_local_settings_use_the_emulator_only_in_demo_mode(env, expected):
    environment = {"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": "", **env}
    assert run_python(SHOW_STRIPE_SETTINGS, DJANGO_SETTINGS_MODULE="config.settings.local", **environment) == expected
