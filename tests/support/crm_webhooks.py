"""The webhooks the sandbox's SuperOffice holds, read and timed over its control endpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx

from tests.support.live import LiveServers
from tests.support.waiting import eventually


def registered_webhooks(live: LiveServers, context_id: str = "Cust12345") -> list[dict[str, Any]]:
    listed = httpx.get(f"{live.sandbox_url}/_sandbox/superoffice/webhooks").json()
    return [webhook for webhook in listed if webhook["ContextIdentifier"] == context_id]


def wait_for_company_webhook(live: LiveServers, context_id: str = "Cust12345") -> dict[str, Any]:
    """The company's webhook once the backend has registered it (a job, right after the provider is connected)."""
    return eventually(lambda: next((w for w in registered_webhooks(live, context_id) if w["State"] == "Active"), None))


def shorten_retries(live: LiveServers, seconds: float = 0.05) -> None:
    answer = httpx.post(f"{live.sandbox_url}/_sandbox/superoffice/webhook-timing", json={"retry_delays": [seconds] * 2})
    assert answer.status_code == 200, answer.text


def signed(body: Any, secret: str) -> tuple[bytes, dict[str, str]]:
    """A body signed as SuperOffice signs: base64(HMAC-SHA256(secret, raw body))."""
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return raw, {"Content-Type": "application/json", "X-SuperOffice-Signature": signature}
