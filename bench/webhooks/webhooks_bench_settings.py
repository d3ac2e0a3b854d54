"""Production settings plus one bare view, so the webhook bench measures acknowledgements against Django's floor."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "webhooks_bench_urls"
# Stripe as the simulation left it, for the invoices the worker re-reads (stripe_snapshot.py).
STRIPE_CLIENT_FACTORY = "stripe_snapshot.client"
