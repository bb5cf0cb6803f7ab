"""The webhooks the sandbox's SuperOffice holds, read and timed over its control endpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.models import CrmWebhook, Tenant
from backend.security import TokenCipher
from tests.support.live import LiveServers
from tests.support.rows import rows
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


def company_secret(live: LiveServers, context_id: str = "Cust12345") -> str:
    (tenant,) = rows(live.settings, Tenant, Tenant.context_id == context_id)
    (webhook,) = rows(live.settings, CrmWebhook, CrmWebhook.tenant_id == tenant.id)
    return TokenCipher.for_settings(live.settings).decrypt(webhook.secret_encrypted) or ""


def post_event(live: LiveServers, body: Any, secret: str, context_id: str = "Cust12345") -> httpx.Response:
    raw, headers = signed(body, secret)
    return httpx.post(f"{live.backend_url}/webhooks/superoffice/{context_id}", content=raw, headers=headers)


def deleted_event(appointment_id: int, *, sent: datetime | None = None) -> dict[str, Any]:
    """Shaped as SuperOffice documents activity.deleted: Values with ids, nothing about the owner."""
    return {"EventId": str(uuid.uuid4()), "Timestamp": (sent or datetime.now(UTC)).isoformat(), "Changes": [],
            "Values": {"appointment_id": appointment_id, "contact_id": 0, "person_id": 0, "project_id": 0,
                       "sale_id": 0},
            "Event": "activity.deleted", "PrimaryKey": appointment_id, "Entity": "activity",
            "ContextIdentifier": "Cust12345", "ChangedByAssociateId": 3,
            "WebhookName": "Meetings for SuperOffice"}  # fmt: skip
