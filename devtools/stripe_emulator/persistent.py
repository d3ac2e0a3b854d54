"""The demo's emulator: what it knows is kept across restarts of the dev server."""

import json
import os
from pathlib import Path

from devtools.stripe_emulator.emulator import StripeEmulator

# What the emulator knows, kept across restarts of the demo server (the database remembers the
# mirror; without this the emulated "Stripe" would forget the subscriptions behind it).
PERSISTED_STATE = ("objects", "events", "_idempotent", "_sessions", "_billing", "_payment_methods", "_last_time")
SIMULATIONS = ("complete_checkout", "advance_to_renewal", "end_trial", "pay_invoice", "expire_checkout")


class PersistentStripeEmulator(StripeEmulator):
    """The demo's emulator: its state lives in a JSON file, written after every change."""

    def __init__(self, *, state_path: Path, **kwargs):
        super().__init__(**kwargs)
        self.state_path = state_path
        if state_path.exists():
            state = json.loads(state_path.read_text())
            for name in PERSISTED_STATE:
                if name in state:
                    setattr(self, name, state[name])
        for name in SIMULATIONS:
            setattr(self, name, self._saving(getattr(self, name)))

    def _saving(self, method):
        def run(*args, **kwargs):
            with self._lock:
                result = method(*args, **kwargs)
                self.save()
                return result

        return run

    def _handle(self, method, url, headers, post_data):
        response = super()._handle(method, url, headers, post_data)
        if method != "GET":
            self.save()
        return response

    def save(self) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({name: getattr(self, name) for name in PERSISTED_STATE}))
        os.replace(temporary, self.state_path)
