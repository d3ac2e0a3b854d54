"""Signed tokens in offer emails: they work without logging in and cannot be forged or re-aimed.

Each purpose has its own salt, so an open-pixel token can never be replayed as an unsubscribe token.
"""

from django.core import signing

UNSUBSCRIBE_SALT = "offers.unsubscribe"
OPEN_SALT = "offers.open"
CLICK_SALT = "offers.click"


def unsubscribe_token(*, club_id: int, user_id: int) -> str:
    return signing.dumps([club_id, user_id], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, int]:
    """(club id, user id); raises signing.BadSignature for anything we did not sign."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, int) for part in value)):
        raise signing.BadSignature("Unexpected unsubscribe payload.")
    return value[0], value[1]


def delivery_token(*, delivery_id: int, salt: str) -> str:
    return signing.Signer(salt=salt).sign(str(delivery_id))


def delivery_token_read(token: str, *, salt: str) -> int:
    value = signing.Signer(salt=salt).unsign(token)
    if not value.isdigit():
        raise signing.BadSignature("Unexpected delivery payload.")
    return int(value)
