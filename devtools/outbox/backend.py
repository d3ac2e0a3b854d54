"""An email backend for DEBUG: keeps every message in the outbox, then hands it to the configured backend."""

from __future__ import annotations

import inspect

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from devtools.outbox.store import outbox_store

# The module that sent a message names its kind in the outbox list.
KIND_BY_MODULE = {
    "allauth": "account",
    "automations": "automation",
    "billing": "billing",
    "events": "event",
    "feed": "feed",
    "offers": "offer",
    "analytics": "nps",
    "members": "account",
}


def _kind() -> str:
    """What sent the message, read from the call stack: allauth's emails, an automation (with its kind:
    welcome, win-back...), a billing notice, an offer... Dev-only, so no sender has to label its messages."""
    for frame_info in inspect.stack(context=0)[2:]:
        module = frame_info.frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top == "automations":
            send = frame_info.frame.f_locals.get("send")
            kind = getattr(send, "kind", "")
            if kind:
                return f"automation: {kind}"
        if top in KIND_BY_MODULE and top != "automations":
            return KIND_BY_MODULE[top]
    for frame_info in inspect.stack(context=0)[2:]:
        if frame_info.frame.f_globals.get("__name__", "").startswith("automations"):
            return KIND_BY_MODULE["automations"]
    return "other"


class OutboxEmailBackend(BaseEmailBackend):
    """Stores each message (devtools/outbox/store.py), then sends it through OUTBOX_DELIVERY_BACKEND."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(
            getattr(settings, "OUTBOX_DELIVERY_BACKEND", "django.core.mail.backends.console.EmailBackend"),
            fail_silently=fail_silently,
            **kwargs,
        )

    def open(self):
        return self.delivery.open()

    def close(self):
        return self.delivery.close()

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        kind = _kind()
        for message in email_messages:
            outbox_store(raw=message.message().as_bytes(linesep="\r\n"), kind=kind)
        return self.delivery.send_messages(email_messages)
