"""The demo banner's facts (config/settings/local.py adds this; production has neither devtools nor the banner)."""

from django.conf import settings

from devtools.demo.checkout import demo_mode


def demo(request) -> dict:
    """With DEBUG on, every page shows a thin banner linking the outbox (and saying when payments are emulated)."""
    if not settings.DEBUG:
        return {}
    return {"demo_banner": {"demo_mode": demo_mode()}}
