"""The one way to sign a value into a link: it works without logging in and cannot be forged or re-aimed.

Each purpose is its own salt, so a token made for one link (an open pixel) is refused by another (an
unsubscribe). A token carries a short list of ids or strings whose shape is checked on reading, and
optionally a maximum age. Every app names its purposes (``"offers.unsubscribe"``) and signs through here.
"""

import zlib
from collections.abc import Sequence
from datetime import timedelta

from django.core import signing

BadToken = signing.BadSignature


def token_make(*, purpose: str, parts: Sequence[int | str]) -> str:
    """A URL-safe token for ``parts`` (ints and strings), valid only for ``purpose``."""
    return signing.dumps(list(parts), salt=purpose, compress=True)


def token_read(
    token: str,
    *,
    purpose: str,
    shape: tuple[type, ...],
    max_age: timedelta | None = None,
    legacy_id: bool = False,
) -> tuple:
    """The parts of a token made by ``token_make`` for ``purpose``, checked against ``shape``.

    Raises ``BadToken`` for anything we did not sign for this purpose, a payload of another shape, or a
    token older than ``max_age``. ``legacy_id`` also accepts the plain signed id (``"42:signature"``,
    with a timestamp when ``max_age`` is given) that links sent before the one token module carried, so
    links already in members' inboxes keep working.
    """
    try:
        value = signing.loads(token, salt=purpose, max_age=max_age)
    except (signing.BadSignature, ValueError, zlib.error) as error:
        # A legacy token's signature is valid for signing.loads too, but its payload is not JSON.
        if not (legacy_id and shape == (int,)):
            raise BadToken("Not a token of this purpose.") from error
        value = [_legacy_id(token, purpose=purpose, max_age=max_age)]
    if not (
        isinstance(value, list)
        and len(value) == len(shape)
        and all(type(part) is kind for part, kind in zip(value, shape, strict=True))
    ):
        raise BadToken("Unexpected token payload.")
    return tuple(value)


def _legacy_id(token: str, *, purpose: str, max_age: timedelta | None) -> int:
    try:
        if max_age is not None:
            value = signing.TimestampSigner(salt=purpose).unsign(token, max_age=max_age)
        else:
            value = signing.Signer(salt=purpose).unsign(token)
    except ValueError as error:
        raise BadToken("Not a token of this purpose.") from error
    if not value.isdigit():
        raise BadToken("Unexpected token payload.")
    return int(value)
