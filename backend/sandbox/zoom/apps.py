"""Zoom Marketplace apps registered with the emulator, and the webhooks it sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.sandbox.outgoing import delivery_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZoomApp:
    """An OAuth app as its developer set it up on Zoom's Marketplace."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    webhook_url: str
    webhook_secret: str
    """Zoom's "secret token": signs event notifications and answers URL validation."""
    name: str = "Meetings for SuperOffice"

    def check_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret.encode(), client_secret.encode())


def signed_event(app: ZoomApp, event: str, payload: dict[str, Any], *, timestamp: int | None = None):
    """Body and headers of an event notification, signed as Zoom signs them."""
    now = int(time.time()) if timestamp is None else timestamp
    body = json.dumps({"event": event, "event_ts": now * 1000, "payload": payload}, separators=(",", ":"))
    digest = hmac.new(app.webhook_secret.encode(), f"v0:{now}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": str(now),
        "x-zm-signature": f"v0={digest}",
        "user-agent": "Zoom Marketplace/1.0a",
    }
    return body, headers


async def send_event(app: ZoomApp, event: str, payload: dict[str, Any]) -> httpx.Response | None:
    """Deliver one notification to the app's endpoint; a failure is logged (Zoom would retry much later)."""
    body, headers = signed_event(app, event, payload)
    try:
        async with delivery_client(10) as client:
            response = await client.post(app.webhook_url, content=body, headers=headers)
    except httpx.HTTPError as error:
        log.warning("zoom emulator: %s to %s failed: %s", event, app.webhook_url, error)
        return None
    if response.status_code >= 300:
        log.warning("zoom emulator: %s to %s answered %s", event, app.webhook_url, response.status_code)
    return response


async def send_deauthorized(app: ZoomApp, *, account_id: str, user_id: str) -> None:
    await send_event(
        app,
        "app_deauthorized",
        {
            "account_id": account_id,
            "user_id": user_id,
            "signature": secrets.token_hex(32),
            "deauthorization_time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "client_id": app.client_id,
        },
    )


async def validate_endpoint(app: ZoomApp) -> dict[str, Any]:
    """Zoom's ``endpoint.url_validation``: the endpoint must answer the plain token and its HMAC."""
    plain = secrets.token_urlsafe(16)
    response = await send_event(app, "endpoint.url_validation", {"plainToken": plain})
    expected = hmac.new(app.webhook_secret.encode(), plain.encode(), hashlib.sha256).hexdigest()
    try:
        answer = response.json() if response is not None else {}
    except ValueError:
        answer = {}
    validated = answer.get("plainToken") == plain and answer.get("encryptedToken") == expected
    return {"validated": validated, "status": response.status_code if response is not None else None}
