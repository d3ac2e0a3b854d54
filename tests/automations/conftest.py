from datetime import UTC, datetime

import pytest

from automations.services.triggers import automation_run_kind
from tests.billing.stripe_events import WEBHOOK_SECRET

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``run(kind, club, now)``: one beat of one automation, with the after-commit sends executed."""

    def run_kind(kind: str, club, now: datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return automation_run_kind(club=club, kind=kind, now=now)

    return run_kind
