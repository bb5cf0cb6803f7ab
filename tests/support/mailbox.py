"""What the sandbox's mail sink received (over real SMTP), parsed; and switching its faults."""

from __future__ import annotations

import base64
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import cast

import httpx
from icalendar import Calendar, Event

from tests.support.live import LiveServers


def received(live: LiveServers) -> list[EmailMessage]:
    """Every e-mail the mailbox holds, oldest first."""
    stored = httpx.get(f"{live.sandbox_url}/mailbox/_sandbox/messages").json()
    return [
        cast(EmailMessage, message_from_bytes(base64.b64decode(item["raw"]), policy=policy.default))
        for item in reversed(stored)
    ]


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [message for message in messages if message["To"] == address]


def calendar_of(message: EmailMessage) -> tuple[str, Event]:
    """The METHOD and the event of the e-mail's text/calendar part (parsed with icalendar)."""
    part = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(cast(EmailMessage, part).get_content())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return str(calendar["METHOD"]), cast(Event, events[0])


def body_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return cast(EmailMessage, body).get_content().replace("\r\n", "\n")


def mail_server_fails(live: LiveServers, count: int, *, after: int = 0) -> None:
    """The mail sink answers 451 (try again later) to ``count`` messages, after letting ``after`` through."""
    body = {"provider": "mail", "target": "smtp", "fault": "server_error", "count": count, "after": after}
    assert httpx.post(f"{live.sandbox_url}/_sandbox/faults", json=body).status_code == 204
