"""The demo's emulator: what it knows is kept across restarts of the dev server, and shared by its processes.

``make run`` serves the web in one process and runs Celery tasks in another; both talk to "Stripe". Each
keeps a PersistentStripeEmulator over the same JSON file: every call takes an exclusive lock on the file,
reloads it when another process changed it, acts, and writes it back, so the two never disagree.
"""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from devtools.stripe_emulator.emulator import StripeEmulator

# What the emulator knows, kept across restarts of the demo server (the database remembers the
# mirror; without this the emulated "Stripe" would forget the subscriptions behind it).
PERSISTED_STATE = (
    "objects",
    "events",
    "_idempotent",
    "_sessions",
    "_billing",
    "_payment_methods",
    "_last_time",
    "failing_customers",
    "_deleted_customers",
)
SIMULATIONS = (
    "complete_checkout",
    "advance_to_renewal",
    "end_trial",
    "pay_invoice",
    "expire_checkout",
    "shift_time",
    "renew_due",
    "set_card_to_fail",
    "settle_delayed_payment",
    "dashboard_refund",
    "delete_customer",
)


class PersistentStripeEmulator(StripeEmulator):
    """The demo's emulator: its state lives in a JSON file, written after every change."""

    def __init__(self, *, state_path: Path, **kwargs):
        super().__init__(**kwargs)
        self.state_path = Path(state_path)
        self._seen: tuple[int, int] | None = None
        with self._shared():
            pass
        for name in SIMULATIONS:
            setattr(self, name, self._saving(getattr(self, name)))

    @contextmanager
    def _shared(self):
        """Hold the file lock (other processes wait), with this process's copy as fresh as the file."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.state_path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._reload()
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _reload(self) -> None:
        try:
            stat = self.state_path.stat()
        except FileNotFoundError:
            return
        if self._seen == (stat.st_mtime_ns, stat.st_size):
            return
        state = json.loads(self.state_path.read_text())
        for name in PERSISTED_STATE:
            if name in state:
                setattr(self, name, state[name])
        self._seen = (stat.st_mtime_ns, stat.st_size)

    def _saving(self, method):
        def run(*args, **kwargs):
            with self._shared():
                result = method(*args, **kwargs)
                self.save()
                return result

        return run

    def _handle(self, method, url, headers, post_data):
        with self._shared():
            response = super()._handle(method, url, headers, post_data)
            if method != "GET":
                self.save()
            return response

    def save(self) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({name: getattr(self, name) for name in PERSISTED_STATE}))
        os.replace(temporary, self.state_path)
        stat = self.state_path.stat()
        self._seen = (stat.st_mtime_ns, stat.st_size)
