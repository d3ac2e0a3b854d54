"""Hand emails to an SMTP server on one connection, with our own commit point before the end-of-data dot.

An SMTP server takes responsibility for a message when it answers 250 to the end-of-data dot, never
before: a connection that dies earlier leaves nothing delivered. So for the first email of each chunk
(offers/services/sending.py) everything up to the dot (MAIL, RCPT, DATA and the whole content) happens
first; then ``commit_point`` records "this chunk is being sent"; only then is the dot sent. A worker killed
before the commit point leaves the chunk pending and safe to send again; killed after it, the chunk's
deliveries are "in doubt" and are never sent again. The other emails of the chunk go out whole.

The message is serialised once (``envelope_for``), before anything reaches the server: a header the email
package refuses fails that email alone, and the bytes are not built twice.
"""

import re
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

LEADING_DOT = re.compile(rb"(?m)^\.")


class InDoubt(Exception):
    """The dot was sent but no answer came back: the server may or may not have accepted the message."""


class ClaimLost(Exception):
    """The commit point refused: another worker sends this delivery; the transaction was abandoned."""


@dataclass(frozen=True)
class Envelope:
    from_email: str
    recipients: list[str]
    data: bytes  # the message as SMTP carries it: CRLF line ends, leading dots doubled, ending in CRLF


def envelope_for(message: EmailMessage) -> Envelope:
    """Serialise ``message`` for SMTP; raises ValueError (BadHeaderError...) when the email package refuses it."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    data = LEADING_DOT.sub(b"..", message.message().as_bytes(linesep="\r\n"))
    return Envelope(
        from_email=sanitize_address(message.from_email, encoding),
        recipients=[sanitize_address(address, encoding) for address in message.recipients()],
        data=data if data.endswith(b"\r\n") else data + b"\r\n",
    )


def socket_nodelay(smtp: smtplib.SMTP) -> None:
    """Send each write at once (TCP_NODELAY).

    Without it the short end-of-data dot written after the content waits in Nagle's algorithm for the ACK of
    the content, which the server delays (delayed ACK, ~40 ms on Linux): that one stall was about 80% of a
    worker's time per email. A connection that is not TCP (a test double, a Unix socket) is left alone.
    """
    sock = getattr(smtp, "sock", None)
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def send_staged(smtp: smtplib.SMTP, envelope: Envelope, *, commit_point: Callable[[], bool] | None = None) -> None:
    """Send one message on an open connection; raises like smtplib.sendmail, plus InDoubt and ClaimLost.

    With ``commit_point``, it is called after the content and before the dot; False abandons the message.
    """
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(envelope.data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, response = smtp.mail(envelope.from_email, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, response, envelope.from_email)
    refused = {}
    for recipient in envelope.recipients:
        code, response = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, response)
    if len(refused) == len(envelope.recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    smtp.putcmd("data")
    code, response = smtp.getreply()
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, response)
    smtp.send(envelope.data)  # a failure here, before the dot, means the server took nothing
    if commit_point is not None and not commit_point():
        smtp.close()  # a transaction that never saw its dot is dropped by the server
        raise ClaimLost
    try:
        smtp.send(b".\r\n")
        code, response = smtp.getreply()
    except (smtplib.SMTPException, OSError) as error:
        raise InDoubt(str(error) or error.__class__.__name__) from error
    if code != 250:
        raise smtplib.SMTPDataError(code, response)  # refused outright: not accepted, may be sent again
