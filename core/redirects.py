"""Where a form may send the member back to: only a path of this site, never another host.

One check for every ``next`` field and every signed click link, so an open redirect cannot creep in
through one app's variant of it.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_site_path(target: str) -> bool:
    """A printable absolute path ("/clubs/..."); not "//host", not a scheme, not a URL name."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    )


def next_path(request: HttpRequest, fallback: str) -> str:
    """The posted ``next`` when it is a path of this site, else ``fallback``."""
    target = request.POST.get("next", "")
    return target if is_site_path(target) else fallback
