"""Signed click links in automation emails: they work without logging in and can only lead within this site."""

from django.core import signing

from config.redirects import is_site_path

CLICK_SALT = "automations.click"


def click_token(*, send_id: int, path: str) -> str:
    return signing.dumps([send_id, path], salt=CLICK_SALT, compress=True)


def click_token_read(token: str) -> tuple[int, str]:
    """(send id, site path); raises signing.BadSignature for anything we did not sign or that leaves the site."""
    value = signing.loads(token, salt=CLICK_SALT)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise signing.BadSignature("Unexpected click payload.")
    send_id, path = value
    # Only paths of this site: never another host, scheme or a protocol-relative //host.
    if not is_site_path(path):
        raise signing.BadSignature("Click target outside the site.")
    return send_id, path
