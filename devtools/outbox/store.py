"""The outbox's files: one RFC 5322 message per email (``<ns since epoch>-<hex>.eml``) in settings.OUTBOX_DIR.

Files, not rows: the web process, the Celery worker and management commands all write here without a
migration or a lock, and each message is read back with the standard library's email parser, exactly as a
mail client would see it.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings

KIND_HEADER = "X-Returnpath-Outbox-Kind"
MESSAGE_ID = re.compile(r"^\d{19}-[0-9a-f]{32}$")


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    sent_at: datetime
    kind: str
    message: EmailMessage

    @property
    def recipients(self) -> str:
        return ", ".join(filter(None, (self.message.get("To"), self.message.get("Cc"))))

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        if body is None or body.get_content_type() != content_type:
            return ""
        return body.get_content()

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(name, str(value)) for name, value in self.message.items() if name != KIND_HEADER]


def outbox_dir() -> Path:
    return Path(settings.OUTBOX_DIR)


def outbox_store(*, raw: bytes, kind: str) -> str:
    """Keep one message; returns its id. Written under a temporary name first, so readers never see half."""
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    message_id = f"{time.time_ns():019d}-{uuid.uuid4().hex}"
    header = f"{KIND_HEADER}: {kind}\r\n".encode()
    temporary = folder / f".{message_id}.tmp"
    temporary.write_bytes(header + raw)
    temporary.replace(folder / f"{message_id}.eml")
    return message_id


def _read(path: Path) -> OutboxMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    nanoseconds = int(path.stem.split("-")[0])
    return OutboxMessage(
        id=path.stem,
        sent_at=datetime.fromtimestamp(nanoseconds / 1e9, tz=UTC),
        kind=str(message.get(KIND_HEADER, "")),
        message=message,
    )


def outbox_list(*, limit: int = 200) -> list[OutboxMessage]:
    """Newest first."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_read(path) for path in paths]


def outbox_count() -> int:
    folder = outbox_dir()
    return sum(1 for _ in folder.glob("*.eml")) if folder.is_dir() else 0


def outbox_get(message_id: str) -> OutboxMessage | None:
    """None for an id that is not a kept message (the id is checked before it touches the filesystem)."""
    if not MESSAGE_ID.match(message_id):
        return None
    path = outbox_dir() / f"{message_id}.eml"
    return _read(path) if path.is_file() else None
