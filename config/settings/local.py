"""Local development: DEBUG on, SQLite and in-process tasks unless DATABASE_URL / REDIS_URL say otherwise."""

import warnings

from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, env

DEBUG = env.bool("DEBUG", default=True)

# Dev-only: the Stripe emulator, the demo checkout and `manage.py seed_demo` (production never installs it).
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

# Demo mode: no Stripe key and DEBUG on. The in-process Stripe emulator stands in for Stripe and signs its
# events with a local secret; the demo checkout page (devtools) plays Stripe Checkout. Never with DEBUG off.
if DEBUG and not STRIPE_SECRET_KEY:
    STRIPE_CLIENT_FACTORY = "devtools.stripe_emulator.demo_client"
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_returnpath_local_demo"  # demo only

# runserver serves static files from the app folders; there is no collectstatic output locally.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
