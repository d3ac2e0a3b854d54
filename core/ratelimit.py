"""Rate limits for our own endpoints, counted in the cache (Redis in production).

allauth limits sign-up, log-in and password reset itself. Everything else uses this module:

    from core.ratelimit import rate_limit

    @rate_limit(action="rsvp", key="user", rate="20/m")
    def rsvp(request, slug, pk): ...

``key`` is ``"ip"``, ``"user"`` (the signed-in user, else the IP) or a callable ``(request) -> str``.
``rate`` is one or more ``<count>/<period>`` separated by commas, where period is ``s``, ``m``, ``h``
or ``d`` with an optional multiplier (``"5/10m,100/d"``). By default only unsafe methods (POST, PUT,
PATCH, DELETE) count, so reading a page never uses up its form's allowance. ``RATE_LIMITS`` in
settings may override the rate of an action by name, and ``RATE_LIMITS_ENABLED = False`` turns
every limit off (the test settings do, so tests opt in).

Every unsafe request to a view without its own limit also counts against ``RATE_LIMIT_DEFAULT``
(``PostRateLimitMiddleware``), so an endpoint added later is never unlimited.
"""

import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import ngettext

from core.formatting import format_number

logger = logging.getLogger("returnpath.ratelimit")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
DEFAULT_RATE = "120/m"


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rates_parse(rate: str) -> list[Rate]:
    """``"5/10m,100/d"`` -> [Rate(5, 600), Rate(100, 86400)]; a malformed rate fails loudly at import."""
    parsed = []
    for part in rate.split(","):
        match = RATE_PATTERN.match(part)
        if not match:
            raise ValueError(f"Malformed rate {part!r}: expected e.g. '10/m' or '5/10m'.")
        count, multiplier, unit = match.groups()
        parsed.append(Rate(int(count), int(multiplier or 1) * PERIOD_SECONDS[unit]))
    return parsed


def client_ip(request) -> str:
    """The same client address allauth's limits use (honours ALLAUTH_TRUSTED_PROXY_COUNT behind a proxy)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def key_for(request, key: str | Callable) -> str:
    if callable(key):
        return str(key(request))[:200]
    if key == "ip":
        return f"ip:{client_ip(request)}"
    if key == "user":
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{client_ip(request)}"
    raise ValueError(f"Unknown rate-limit key {key!r}: use 'ip', 'user' or a callable.")


def hit(*, action: str, bucket: str, rate: Rate, now: float | None = None, count: bool = True) -> int:
    """Count one request in the current fixed window; returns seconds to wait when over the limit, else 0.

    With ``count=False`` it only looks: is the caller already over the limit?
    """
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    cache_key = f"rl:{action}:{rate.seconds}:{window}:{bucket}"
    if not count:
        count_so_far = cache.get(cache_key) or 0
        return max(1, int((window + 1) * rate.seconds - now)) if count_so_far >= rate.count else 0
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this request opens the next window
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    if count > rate.count:
        return max(1, int((window + 1) * rate.seconds - now))
    return 0


def limit_exceeded(request, *, action: str, key: str | Callable, rate: str, count: bool = True) -> int:
    """Seconds until the caller may try again (0 when within every rate of the action)."""
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return 0
    rate = getattr(settings, "RATE_LIMITS", {}).get(action, rate)
    bucket = key_for(request, key)
    wait = 0
    for each in rates_parse(rate):
        wait = max(wait, hit(action=action, bucket=bucket, rate=each, count=count))
    if wait and count:
        logger.warning("rate limit %s exceeded by %s", action, bucket, extra={"action": action, "bucket": bucket})
    return wait


def retry_message(retry_after: int) -> str:
    """What a form says when its limit is reached, in the visitor's language and digits."""
    minutes = max(1, -(-retry_after // 60))
    return ngettext(
        "You have sent this too often. Your text is kept: try again in %(count)s minute.",
        "You have sent this too often. Your text is kept: try again in %(count)s minutes.",
        minutes,
    ) % {"count": format_number(minutes)}


def too_many_requests(request, *, retry_after: int):
    """A page that says what happened and when to try again, in the visitor's language."""
    response = render(request, "errors/429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(
    *,
    action: str,
    rate: str = "10/m",
    key: str | Callable = "user",
    methods=UNSAFE_METHODS,
    failures_only: bool = False,
    on_limit: Callable | None = None,
):
    """Decorate a view (function or ``View.as_view()``); see the module docstring.

    ``on_limit(request, *args, retry_after=..., **kwargs)`` answers instead of the plain 429 page: a form view
    re-renders the form with what the member typed and says when to try again (status 429 all the same).

    ``failures_only`` counts only answers of 400 and above (like allauth's ``login_failed``): right
    callers are never slowed, someone sending junk or guessing is. The Stripe webhook uses it, so
    bursts of genuine events pass and floods of unsigned posts are refused.
    """
    rates_parse(rate)  # fail at import on a typo, not on the first request

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                return view(request, *args, **kwargs)
            wait = limit_exceeded(request, action=action, key=key, rate=rate, count=not failures_only)
            if wait:
                if on_limit is not None:
                    response = on_limit(request, *args, retry_after=wait, **kwargs)
                    response.status_code = 429
                    response["Retry-After"] = str(wait)
                    return response
                return too_many_requests(request, retry_after=wait)
            response = view(request, *args, **kwargs)
            if failures_only and response.status_code >= 400:
                limit_exceeded(request, action=action, key=key, rate=rate)
            return response

        wrapped.rate_limited = True
        return wrapped

    return decorator


class PostRateLimitMiddleware:
    """A ceiling for every unsafe request whose view has no limit of its own (per user, else per IP)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or getattr(view_func, "rate_limited", False):
            return None
        rate = getattr(settings, "RATE_LIMIT_DEFAULT", DEFAULT_RATE)
        wait = limit_exceeded(request, action="default-post", key="user", rate=rate)
        return too_many_requests(request, retry_after=wait) if wait else None


def admin_login_username(request) -> str:
    return "admin-user:" + request.POST.get("username", "").strip().lower()[:150]


def admin_login_limited(login_view):
    """allauth's limits do not cover /admin/login/: per IP, and per account name against guessing."""
    by_ip = rate_limit(action="admin-login", key="ip", rate="10/m,50/h")
    by_username = rate_limit(action="admin-login-user", key=admin_login_username, rate="5/5m,20/d")
    return by_ip(by_username(login_view))
