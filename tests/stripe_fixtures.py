"""Where the Stripe payloads this project did not write live: ../shared/stripe-fixtures/ beside the checkout.

``STRIPE_FIXTURES_DIR`` names another place (a CI checkout elsewhere); the workplace's own copy is the last
candidate. Tests skip with a reason where none exists, and fail under CI=true, where they are required.
"""

import os
from pathlib import Path

from django.conf import settings

CANDIDATES = [Path(path) for path in (os.environ.get("STRIPE_FIXTURES_DIR"),) if path] + [
    Path(settings.BASE_DIR).parent / "shared" / "stripe-fixtures",
    Path("/work/shared/stripe-fixtures"),
]

FIXTURES = next((path for path in CANDIDATES if path.is_dir()), CANDIDATES[0])
