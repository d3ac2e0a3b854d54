"""Hand one email to an SMTP server in two steps, around our own commit point.

An SMTP server takes responsibility for a message when it answers 250 to the end-of-data dot, never
before: a connection that dies earlier leaves nothing delivered. So everything up to the dot (MAIL, RCPT,
DATA and the whole content) happens first; then ``commit_point`` records "this email is being sent";
only then is the dot sent. A worker killed before the commit point leaves the delivery pending and safe to
send again; killed after it, the delivery is "in doubt" and is never sent again (offers/services/sending.py).
"""

import re
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

LEADING_DOT = re.compile(rb"(?m)^\.")


class InDoubt(Exception):
    """The dot was sent but no answer came back: the server may or may not have accepted the message."""


class ClaimLost(Exception):
    """The commit point refused: another worker sends this delivery; the transaction was abandoned."""


def send_staged(smtp: smtplib.SMTP, message: EmailMessage, *, commit_point: Callable[[], bool]) -> None:
    """Send ``message`` on an open connection; raises like smtplib.sendmail, plus InDoubt and ClaimLost."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    from_email = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    data = message.message().as_bytes(linesep="\r\n")
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, response = smtp.mail(from_email, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, response, from_email)
    refused = {}
    for recipient in recipients:
        code, response = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, response)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    smtp.putcmd("data")
    code, response = smtp.getreply()
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, response)
    body = LEADING_DOT.sub(b"..", data)
    smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
    if not commit_point():
        smtp.close()  # a transaction that never saw its dot is dropped by the server
        raise ClaimLost
    try:
        smtp.send(b".\r\n")
        code, response = smtp.getreply()
    except (smtplib.SMTPException, OSError) as error:
        raise InDoubt(str(error) or error.__class__.__name__) from error
    if code != 250:
        raise smtplib.SMTPDataError(code, response)  # refused outright: not accepted, may be sent again
