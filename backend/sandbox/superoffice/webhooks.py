"""SuperOffice's webhooks for appointments (``activity.created|changed|deleted``), as the emulated CRM sends them.

Signed ``X-SuperOffice-Signature`` = base64(HMAC-SHA256(secret, raw body)). SuperOffice tries three times (after 1 s
and 4 s) and then drops the event, so receivers must dedupe by EventId and not depend on one delivery.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.sandbox.superoffice.store import Appointment

log = logging.getLogger(__name__)
RETRY_DELAYS_SECONDS = (1, 4)


@dataclass(frozen=True)
class CrmWebhook:
    """A webhook registered with SuperOffice (``POST /api/v1/Webhook``)."""

    target_url: str
    secret: str
    events: tuple[str, ...] = ("activity.created", "activity.changed", "activity.deleted")
    name: str = "Meetings for SuperOffice"


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event_body(webhook: CrmWebhook, event: str, appointment: Appointment, changes: list[str]) -> dict[str, Any]:
    # FieldValues: what SuperOffice puts there for activities is not documented field by field (UNCONFIRMED); the
    # emulator sends the appointment's own columns, which is what a receiver needs to follow a move.
    return {
        "EventId": str(uuid.uuid4()),
        "Timestamp": datetime.now(UTC).isoformat(),
        "Changes": changes,
        "Event": event,
        "PrimaryKey": appointment.appointment_id,
        "Entity": "activity",
        "ContextIdentifier": appointment.context_id,
        "ChangedByAssociateId": appointment.associate_id,
        "WebhookName": webhook.name,
        "FieldValues": {
            "appointment_id": appointment.appointment_id,
            "associate_id": appointment.associate_id,
            "do_by": appointment.start.isoformat(),
            "endDate": appointment.end.isoformat(),
            "location": appointment.location,
            "description": appointment.description,
            "title": appointment.title,
        },
    }


async def deliver(webhook: CrmWebhook, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-SuperOffice-Event": body["Event"],
        "X-SuperOffice-EventId": body["EventId"],
        "X-SuperOffice-Signature": signature(webhook.secret, raw),
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt, delay in enumerate((0, *RETRY_DELAYS_SECONDS)):
            await asyncio.sleep(delay)
            try:
                response = await client.post(
                    webhook.target_url, content=raw, headers={**headers, "X-SuperOffice-Retry": str(attempt)}
                )
                if response.status_code < 300:
                    return
            except httpx.HTTPError as error:
                log.warning("superoffice emulator: %s to %s failed: %s", body["Event"], webhook.target_url, error)
    log.warning("superoffice emulator: dropped %s after %d tries", body["Event"], 1 + len(RETRY_DELAYS_SECONDS))


async def notify(webhooks: tuple[CrmWebhook, ...], event: str, appointment: Appointment, changes: list[str]) -> None:
    await asyncio.gather(
        *(deliver(w, event_body(w, event, appointment, changes)) for w in webhooks if event in w.events)
    )


def changed_columns(before: Appointment | None, after: Appointment) -> list[str]:
    """SuperOffice's column names of what changed (all of them for a new appointment)."""
    columns = {"do_by": "start", "endDate": "end", "location": "location", "text": "description", "title": "title"}
    if before is None:
        return list(columns)
    return [column for column, field in columns.items() if getattr(before, field) != getattr(after, field)]
