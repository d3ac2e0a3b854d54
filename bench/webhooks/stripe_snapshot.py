"""``STRIPE_CLIENT_FACTORY`` for the bench: Stripe's objects as the simulation left them, read-only.

The worker re-reads an invoice whose payment arrived first (billing/services/invoices.py); Stripe is out of
reach here, so the generator writes the emulator's invoices to the file ``BENCH_STRIPE_OBJECTS`` names and
this client answers from them through the real SDK (only loopback traffic, as everywhere in the bench).
"""

import json
import os
from pathlib import Path


def client():
    from devtools.stripe_emulator import StripeEmulator, emulator_client

    emulator = StripeEmulator()
    emulator.objects.update(json.loads(Path(os.environ["BENCH_STRIPE_OBJECTS"]).read_text()))
    return emulator_client(emulator)
