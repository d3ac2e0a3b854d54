"""Deploy checks (``manage.py check --deploy``): settings that make member email fail to land.

- SITE_URL must be https: every link in an email, and the one-click List-Unsubscribe target that Gmail and
  Yahoo require to be https, are built from it.
- DEFAULT_FROM_EMAIL must not be on a special-use domain (.local, .example, .test, .invalid, localhost,
  RFC 2606/6761/6762): no receiver can check SPF or DKIM for it, and most reject it outright.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from core.emails import is_special_use_domain, sender_address


@register(Tags.security, deploy=True)
def email_settings_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    site = urlsplit(getattr(settings, "SITE_URL", "") or "")
    if site.scheme != "https" or not site.hostname:
        errors.append(
            Error(
                f"SITE_URL ({settings.SITE_URL!r}) is not an https address.",
                hint="Set SITE_URL=https://your.domain: email links and List-Unsubscribe are built from it.",
                id="core.E001",
            )
        )
    address = sender_address()
    domain = address.rpartition("@")[2]
    if not address or "@" not in address or is_special_use_domain(domain):
        errors.append(
            Error(
                f"DEFAULT_FROM_EMAIL ({settings.DEFAULT_FROM_EMAIL!r}) is not on a real domain "
                "(.local, .example, .test, .invalid and localhost are special-use domains receivers reject).",
                hint="Set DEFAULT_FROM_EMAIL to an address on your sending domain, with SPF, DKIM and DMARC "
                "(docs/email.md).",
                id="core.E002",
            )
        )
    return errors
