"""A request id for every request: taken from ``X-Request-ID`` when a proxy sent a sane one, else made here; sent back
in the answer's ``X-Request-ID`` and carried by every log line written while the request is handled (the access
line included), so one request's lines can be found together, and across the proxy's logs."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""What a proxy's id looks like (uuids, nginx's $request_id, AWS' trace ids); anything else is replaced."""


def request_ids(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = Headers.from_scope(scope).get(HEADER, "")
        request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = request_id
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)

    return middleware


def log_records_carry_request_ids() -> None:
    """Every log record gets ``request_id`` (``-`` outside a request), for the log formats to show."""
    make = logging.getLogRecordFactory()
    if getattr(make, "adds_request_id", False):
        return

    def with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    with_request_id.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(with_request_id)
