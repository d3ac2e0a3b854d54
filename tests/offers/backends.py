"""Mail backends that misbehave on purpose, to prove exactly-once delivery (set via settings.EMAIL_BACKEND)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class WorkerKilled(BaseException):
    """Raised like a SIGKILL would end the worker: no except clause of the code under test catches it."""


class FlakyBackend(EmailBackend):
    """The server drops the connection before accepting the message of the listed recipients (once each)."""

    drop_before: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in self.drop_before:
                self.drop_before.discard(message.to[0])
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """The server refuses one recipient for good (550)."""

    refused: set[str] = set()

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


class KilledAfterAcceptBackend(EmailBackend):
    """The server accepts the Nth message, then the worker dies before it can record that (the worst moment)."""

    kill_after: int | None = None
    accepted = 0

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        type(self).accepted += sent
        if self.kill_after is not None and type(self).accepted >= self.kill_after:
            type(self).kill_after = None
            raise WorkerKilled
        return sent


class RefusedConnectionBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("Connection refused")
