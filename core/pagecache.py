"""Member pages' rendered responses, cached per viewer and dropped as soon as what they show changes (issue 20).

Club home, events, feed and offers are read far more often than they change, and rendering them is most of
their cost (templates are ~60% of feed and events). A rendered page is kept per viewer, never shared: its key
holds the viewer's id, their standing in the club (as the view states it), language, time zone, calendar,
CSRF secret, the full path with its query and whether htmx asked for a partial. So one member's page is
never served to anyone else, and the access check still runs on every request *before* the cache is read.

What invalidates: each page depends on a few *sections* of its club ("offers", "feed", ...). Every save or
delete of a watched model bumps its section's version for its club (``watch``, registered by the app that
owns the model in its ``AppConfig.ready()``), and a user's own saves bump that user's version. The version
tokens are part of the key, so a new post, cheer, comment, RSVP or offer shows at once to everyone, the
author included. What no write announces (time passing: an offer's publication time arriving, an event
starting; bulk ``update()`` calls, which send no signal) shows within ``MEMBER_PAGE_CACHE_SECONDS``.

``MEMBER_PAGE_CACHE_SECONDS = 0`` turns the cache off (the test settings do; tests of this module turn it on).
Responses that carry messages, set cookies, or answer anything but 200 are never stored.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from operator import attrgetter

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from core.formatting import active_calendar

KEY_PREFIX = "pagecache"


def cache_seconds() -> int:
    return int(getattr(settings, "MEMBER_PAGE_CACHE_SECONDS", 0) or 0)


def _version_key(scope: str, ident: object) -> str:
    return f"{KEY_PREFIX}:v:{scope}:{ident}"


def bump(*, club_id: int | None, section: str) -> None:
    """A new token for (club, section): every cached page that showed it is unreachable from now on."""
    if club_id is not None:
        cache.set(_version_key(f"club{club_id}", section), uuid.uuid4().hex, None)


def bump_user(*, user_id: int | None) -> None:
    """The viewer's own name, language or preferences changed: their cached pages are dropped."""
    if user_id is not None:
        cache.set(_version_key("user", user_id), uuid.uuid4().hex, None)


def watch(model, *, section: str, club_id: Callable[[object], int | None]) -> None:
    """Bump ``section`` of ``club_id(instance)`` whenever a ``model`` row is saved or deleted.

    ``club_id`` reads the club from the instance (``lambda rsvp: rsvp.occurrence.club_id``); a related row it
    needs is usually cached on the instance already by the service that wrote it.
    """

    def changed(sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):  # fixtures loading: no request can have cached anything from them
            return
        try:
            club = club_id(instance)
        except ObjectDoesNotExist:  # deleted in cascade after its parent: the parent's delete bumped already
            return
        bump(club_id=club, section=section)

    uid = f"pagecache:{model._meta.label}:{section}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)


def watch_club_rows(app_config, *, section: str) -> None:
    """``watch`` every model of an app that has a ``club`` foreign key (rows added later are covered too)."""
    for model in app_config.get_models():
        field = next((field for field in model._meta.concrete_fields if field.name == "club"), None)
        if field is not None and field.is_relation:
            watch(model, section=section, club_id=attrgetter("club_id"))


def watch_many_to_many(through, *, section: str, club_id: Callable[[object], int | None]) -> None:
    """Like ``watch`` for a many-to-many relation (a club's leaders): ``club_id(instance)`` of its owner."""

    def changed(sender, instance, action, **kwargs) -> None:
        if action in ("post_add", "post_remove", "post_clear"):
            bump(club_id=club_id(instance), section=section)

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"pagecache:{through._meta.label}")


def watch_users(model) -> None:
    """Any save of the viewer's own row (name, avatar, language, time zone) drops their cached pages."""

    def changed(sender, instance, **kwargs) -> None:
        if not kwargs.get("raw"):
            bump_user(user_id=instance.pk)

    post_save.connect(changed, sender=model, weak=False, dispatch_uid="pagecache:user")


def _has_pending_messages(request: HttpRequest) -> bool:
    # len() loads the stored messages without marking them used: a miss still renders and consumes them.
    return bool(len(messages.get_messages(request)))


def _page_keys(
    request: HttpRequest, *, page: str, club_id: int, sections: Iterable[str], standing: str
) -> tuple[str, list[str]] | None:
    """(this request's page key, the version keys its content depends on), or None: not from the cache."""
    csrf_secret = request.META.get("CSRF_COOKIE")
    user = request.user
    if not csrf_secret or not user.is_authenticated:
        return None
    version_keys = [_version_key(f"club{club_id}", section) for section in sorted(sections)]
    version_keys.append(_version_key("user", user.pk))
    facts = [
        standing,
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        active_calendar(),
        csrf_secret,
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
    ]
    digest = hashlib.sha256("\x1f".join(facts).encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:page:{page}:{club_id}:{user.pk}:{digest}", version_keys


def member_page(
    request: HttpRequest,
    *,
    page: str,
    club_id: int,
    sections: Iterable[str],
    standing: str,
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    """The viewer's page from the cache, or ``render()`` stored for next time. Call it after the access check.

    ``standing`` states everything about the viewer's relation to the club that the page shows (leader,
    member with access, membership status...): a change of it is a different page.
    """
    seconds = cache_seconds()
    if seconds <= 0 or request.method != "GET" or _has_pending_messages(request):
        return render()
    keys = _page_keys(request, page=page, club_id=club_id, sections=sections, standing=standing)
    if keys is None:
        return render()
    key, version_keys = keys
    # One round trip: the stored page and the current versions; the page is good only if it saw these.
    found = cache.get_many([key, *version_keys])
    missing = {version_key: uuid.uuid4().hex for version_key in version_keys if version_key not in found}
    if missing:  # first sight (or the cache was emptied): start these versions now
        cache.set_many(missing, None)
        found.update(missing)
    versions = [found[version_key] for version_key in version_keys]
    stored = found.get(key)
    if stored is not None and stored[0] == versions:
        _versions, content, headers = stored
        response = HttpResponse(content)
        for name, value in headers:
            response.headers[name] = value
        return response
    response = render()
    if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
        headers = [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"]
        cache.set(key, (versions, response.content, headers), seconds)
    return response
