"""``/mailbox``: what the sandbox's mail sink received, newest first, for people; ``/mailbox/_sandbox`` for tests."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from typing import Any

from litestar import delete, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.sandbox.mailbox.store import StoredMail


def _summary(mail: StoredMail) -> dict[str, Any]:
    parsed = mail.parsed
    body = parsed.get_body(preferencelist=("plain",))
    calendar = next((part for part in parsed.walk() if part.get_content_type() == "text/calendar"), None)
    return {
        "id": mail.id,
        "received": mail.received,
        "mail_from": mail.mail_from,
        "rcpt_to": mail.rcpt_to,
        "subject": str(parsed.get("Subject", "")),
        "from": str(parsed.get("From", "")),
        "to": str(parsed.get("To", "")),
        "reply_to": str(parsed.get("Reply-To", "")),
        "body": body.get_content() if isinstance(body, EmailMessage) else "",
        "calendar": calendar.get_content() if isinstance(calendar, EmailMessage) else "",
        "method": calendar.get_param("method", "") if calendar is not None else "",
        "attachments": [part.get_filename() for part in parsed.iter_attachments()],
    }


@get("/mailbox", sync_to_thread=True)
def mailbox(state: State) -> Template:
    messages = [_summary(mail) for mail in state.mailbox.newest_first()]
    return Template("mailbox.html", context={"messages": messages})


@get("/mailbox/{message_id:int}", sync_to_thread=True)
def message(state: State, message_id: FromPath[int]) -> Template:
    mail = state.mailbox.get(message_id)
    if mail is None:
        raise NotFoundException("No such message in the mailbox.")
    return Template("mailbox_message.html", context={"message": _summary(mail)})


@get("/mailbox/{message_id:int}/raw", sync_to_thread=True)
def raw_message(state: State, message_id: FromPath[int]) -> Response[bytes]:
    mail = state.mailbox.get(message_id)
    if mail is None:
        raise NotFoundException("No such message in the mailbox.")
    disposition = f'attachment; filename="message-{mail.id}.eml"'
    return Response(mail.raw, media_type="message/rfc822", headers={"Content-Disposition": disposition})


@get("/mailbox/_sandbox/messages", sync_to_thread=True)
def all_messages(state: State) -> list[dict[str, Any]]:
    """Every message as received (``raw`` in base64), newest first: for tests."""
    return [
        {"id": mail.id, "mail_from": mail.mail_from, "rcpt_to": list(mail.rcpt_to),
         "raw": base64.b64encode(mail.raw).decode()}
        for mail in state.mailbox.newest_first()
    ]  # fmt: skip


@delete("/mailbox/_sandbox/messages", status_code=HTTP_204_NO_CONTENT, sync_to_thread=True)
def empty_mailbox(state: State) -> None:
    state.mailbox.clear()


ROUTES = [mailbox, message, raw_message, all_messages, empty_mailbox]
