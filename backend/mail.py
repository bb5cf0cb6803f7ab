"""Sending e-mail over SMTP (aiosmtplib): the mail server from settings, one message at a time.

A temporary refusal (4xx), a connection that fails or times out is ``MailNotSent(temporary=True)``: try again later.
A permanent refusal (5xx, e.g. an unknown recipient or a bad login) is ``temporary=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib


class MailNotSent(Exception):
    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.message = message
        self.temporary = temporary


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    starttls: bool
    user: str = ""
    password: str = field(default="", repr=False)
    timeout_seconds: float = 30.0


async def send_mail(server: MailServer, message: EmailMessage) -> None:
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            start_tls=server.starttls,
            username=server.user or None,
            password=server.password or None,
            timeout=server.timeout_seconds,
        )
    except aiosmtplib.SMTPResponseException as error:
        temporary = 400 <= error.code < 500
        raise MailNotSent(f"the mail server answered {error.code} {error.message}", temporary=temporary) from error
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refusal.code for refusal in error.recipients]
        temporary = any(400 <= code < 500 for code in codes)  # greylisting, a full mailbox: try again later
        raise MailNotSent(f"the mail server refused the recipient ({', '.join(map(str, codes))})",
                          temporary=temporary) from error  # fmt: skip
    except aiosmtplib.SMTPNotSupported as error:
        raise MailNotSent(f"the mail server cannot take this e-mail ({error})", temporary=False) from error
    except (aiosmtplib.SMTPException, OSError) as error:
        raise MailNotSent(f"the mail server could not be reached ({type(error).__name__})", temporary=True) from error
