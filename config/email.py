"""Which email backend: SMTP from EMAIL_URL, or any django-anymail provider chosen by ANYMAIL_PROVIDER.

    EMAIL_URL=smtp+tls://user:pass@smtp.example.com:587         # SMTP
    ANYMAIL_PROVIDER=postmark ANYMAIL_POSTMARK_SERVER_TOKEN=...    # an HTTP API provider

Every other ``ANYMAIL_*`` environment variable becomes a key of the ``ANYMAIL`` setting with the
prefix removed (``ANYMAIL_MAILGUN_API_KEY`` -> ``ANYMAIL["MAILGUN_API_KEY"]``), so each provider's
own settings, named as in anymail's documentation, need no code here.
"""

import os

ANYMAIL_PROVIDERS = {
    "amazon_ses",
    "brevo",
    "mailersend",
    "mailgun",
    "mailjet",
    "mandrill",
    "postal",
    "postmark",
    "resend",
    "sendgrid",
    "sparkpost",
    "unisender_go",
}


def email_settings(env, *, default_url: str, environ=os.environ) -> dict:
    provider = env("ANYMAIL_PROVIDER", default="").strip().lower()
    if not provider:
        return env.email_url("EMAIL_URL", default=default_url)
    if provider not in ANYMAIL_PROVIDERS:
        raise ValueError(f"ANYMAIL_PROVIDER={provider!r} is not one of: {', '.join(sorted(ANYMAIL_PROVIDERS))}.")
    anymail = {
        name.removeprefix("ANYMAIL_"): value
        for name, value in environ.items()
        if name.startswith("ANYMAIL_") and name != "ANYMAIL_PROVIDER"
    }
    return {
        "EMAIL_BACKEND": f"anymail.backends.{provider}.EmailBackend",
        "ANYMAIL": anymail,
        "ANYMAIL_PROVIDER": provider,
    }


def tracking_webhook_urlpatterns() -> list:
    """Only the chosen provider's tracking webhook: /anymail/<provider>/tracking/ (none with SMTP).

    Bounces and complaints arrive there; members/signals.py turns them into suppressions. Every
    other anymail endpoint stays unrouted, so nothing answers for a provider we do not use.
    """
    from anymail.urls import urlpatterns
    from django.conf import settings

    provider = getattr(settings, "ANYMAIL_PROVIDER", "")
    return [pattern for pattern in urlpatterns if provider and pattern.name == f"{provider}_tracking_webhook"]
