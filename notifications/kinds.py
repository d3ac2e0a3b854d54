"""The registry of notification kinds: what each one says, how it is told apart, and how it is emailed.

A notification stores only its kind and small ``params`` (ids and the names to show); its text is rendered
when it is shown, in the viewer's language, by the kind's renderer. A renderer never fails on a missing
parameter: an old row whose params lack a newer field still renders.

``key_fields`` name the params that identify one happening, so sending the same one twice stores it once
(a cheer taken back and given again, a retried task). ``own_email`` kinds are emailed by the app that
sends them (its richer email, to ``users_wanting_email_now``); notifications emails the others itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clubs.texts import text_language


class EmailChoice:
    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    NEVER = "never"

    @staticmethod
    def choices() -> list[tuple[str, Promise]]:
        return [
            (EmailChoice.IMMEDIATELY, gettext_lazy("Immediately")),
            (EmailChoice.DIGEST, gettext_lazy("In the daily digest")),
            (EmailChoice.NEVER, gettext_lazy("Never")),
        ]


@dataclass(frozen=True)
class Kind:
    name: str
    label: Promise
    render: Callable[[dict], str]
    default_email: str
    own_email: bool = False
    key_fields: tuple[str, ...] = ()
    # Only people who may enter the club hear about it; a failed payment concerns the payer whatever their access.
    requires_access: bool = True

    def key(self, params: dict) -> str:
        """What tells one happening of this kind from another (unique per user and kind)."""
        return "|".join(str(params.get(field, "")) for field in self.key_fields)[:200]


def _p(params: dict, name: str) -> str:
    value = params.get(name)
    if name == "club_name":  # the club's name in the viewer's language, when the club gives one (clubs/texts.py)
        given = params.get("club_names")
        value = (given.get(text_language()) if isinstance(given, dict) else None) or value
    return "" if value is None else str(value)


# Event changes name what changed; the sending app passes these words, shown in the viewer's language.
CHANGE_LABELS = {
    "date": gettext_lazy("date"),
    "time": gettext_lazy("time"),
    "place": gettext_lazy("place"),
}


def _render_reply(params: dict) -> str:
    return _("%(actor)s commented on your post: “%(excerpt)s”") % {
        "actor": _p(params, "actor_name"),
        "excerpt": _p(params, "excerpt"),
    }


def _render_cheer(params: dict) -> str:
    return _("%(actor)s cheered your post.") % {"actor": _p(params, "actor_name")}


def _render_waitlist_promoted(params: dict) -> str:
    return _("A seat opened up: you are now going to %(event)s.") % {"event": _p(params, "event_title")}


def _render_event_changed(params: dict) -> str:
    changed = params.get("changed") or []
    if not isinstance(changed, list):
        changed = []
    words = [str(CHANGE_LABELS[item]) for item in changed if item in CHANGE_LABELS]
    if not words:
        return _("%(event)s has changed.") % {"event": _p(params, "event_title")}
    return _("%(event)s has changed: %(changes)s.") % {
        "event": _p(params, "event_title"),
        "changes": _(", ").join(words),
    }


def _render_event_cancelled(params: dict) -> str:
    return _("%(event)s was cancelled.") % {"event": _p(params, "event_title")}


def _render_offer_new(params: dict) -> str:
    return _("New member offer at %(club)s: %(offer)s") % {
        "club": _p(params, "club_name"),
        "offer": _p(params, "offer_title"),
    }


def _render_announcement_new(params: dict) -> str:
    return _("New announcement at %(club)s: %(title)s") % {
        "club": _p(params, "club_name"),
        "title": _p(params, "title"),
    }


def _render_payment_failed(params: dict) -> str:
    return _("Your payment for %(club)s failed. Update your card to keep your membership.") % {
        "club": _p(params, "club_name")
    }


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        # Cheers and comments are also in the feed's own daily activity digest: no second email by default.
        Kind(
            "reply",
            gettext_lazy("Comments on my posts"),
            _render_reply,
            EmailChoice.NEVER,
            key_fields=("comment_id",),
        ),
        Kind(
            "cheer",
            gettext_lazy("Cheers on my posts"),
            _render_cheer,
            EmailChoice.NEVER,
            key_fields=("achievement_id", "actor_id"),
        ),
        # events sends its own promotion email (about the member's own RSVP) whatever this says: an extra copy.
        Kind(
            "waitlist_promoted",
            gettext_lazy("A seat for me from the waitlist"),
            _render_waitlist_promoted,
            EmailChoice.NEVER,
            key_fields=("occurrence_id", "promoted_at"),
        ),
        Kind(
            "event_changed",
            gettext_lazy("Changes to an event I am going to"),
            _render_event_changed,
            EmailChoice.IMMEDIATELY,
            own_email=True,
            key_fields=("occurrence_id", "sequence"),
        ),
        Kind(
            "event_cancelled",
            gettext_lazy("An event I am going to was cancelled"),
            _render_event_cancelled,
            EmailChoice.IMMEDIATELY,
            own_email=True,
            key_fields=("occurrence_id",),
        ),
        # The offer itself is emailed by "Send to members" (offers' fan-out, with the weekly cap).
        Kind(
            "offer_new",
            gettext_lazy("New member offers"),
            _render_offer_new,
            EmailChoice.NEVER,
            key_fields=("offer_id",),
        ),
        Kind(
            "announcement_new",
            gettext_lazy("New announcements"),
            _render_announcement_new,
            EmailChoice.IMMEDIATELY,
            own_email=True,
            key_fields=("announcement_id",),
        ),
        # billing sends its transactional failed-payment notice whatever this says; this is an extra copy.
        Kind(
            "payment_failed",
            gettext_lazy("My payment failed"),
            _render_payment_failed,
            EmailChoice.NEVER,
            key_fields=("invoice_id",),
            requires_access=False,
        ),
    )
}


def kind_get(name: str) -> Kind:
    """The registered kind; a ValueError names the known ones (a programming error, never a member's input)."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown notification kind {name!r}; one of {', '.join(KINDS)}.") from None


def notification_text(*, kind: str, params: dict) -> str:
    """The text of a stored notification, in the active language; a kind no longer registered shows a plain one."""
    registered = KINDS.get(kind)
    if registered is None:
        return _("A notification")
    return registered.render(params if isinstance(params, dict) else {})
