"""The mail sink's SMTP server (aiosmtpd), served on a socket bound by whoever serves the sandbox.

Armed faults (``POST /_sandbox/faults`` with ``provider: mail``, ``target: smtp``) make it answer as a mail server
that is down for a while: ``451 4.3.0`` (try again later), so senders can show that they retry.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from backend.sandbox.faults import Faults, Target
from backend.sandbox.mailbox.store import MailStore

HOSTNAME = "mailbox.sandbox"


class MailboxHandler:
    def __init__(self, store: MailStore, faults: Faults) -> None:
        self.store = store
        self.faults = faults

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.faults.take("mail", Target.SMTP) is not None:
            return "451 4.3.0 Mail server temporarily unavailable, try again later"
        raw = envelope.original_content or b""
        await asyncio.to_thread(self.store.add, str(envelope.mail_from), list(envelope.rcpt_tos), raw)
        return "250 2.0.0 Message accepted for delivery"


async def start_smtp(sock: socket.socket, store: MailStore, faults: Faults) -> asyncio.Server:
    handler = MailboxHandler(store, faults)
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        return SMTP(handler, hostname=HOSTNAME, ident="Sandbox mailbox")

    return await loop.create_server(protocol, sock=sock)
