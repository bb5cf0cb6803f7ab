"""SuperOffice's webhook notifications, verified and read (SuperOfficeDocs/superoffice-docs
``docs/en/automation/webhook/``).

``X-SuperOffice-Signature`` is base64(HMAC-SHA256(key = the webhook's secret as UTF-8, message = the raw body)).
Appointment events (``activity.created|changed|deleted``) say little: only the appointment's id (``PrimaryKey``) and
what kind of change is used; everything else is read from the WebAPI. ``ChangedByAssociateId`` is whoever made the
change, not the owner. Late deliveries are normal (SuperOffice retries, and queues failed cycles): nothing is refused
for its age; a repeated ``EventId`` is acknowledged once more and not acted on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

APPOINTMENT_EVENTS = {"activity.created", "activity.changed", "activity.deleted"}
EVENT_ID_LIMIT = 100


class CrmWebhookRejected(Exception):
    """Not provably from SuperOffice: nothing is done with it."""


class CrmWebhookMalformed(Exception):
    """Signed, but not a notification as SuperOffice sends them; the message names the problem."""


@dataclass(frozen=True)
class CrmEvent:
    event_id: str
    event: str
    context_id: str
    primary_key: int
    changed_by: int
    owner_id: int
    """``FieldValues.associate_id`` (``activity.created`` only); 0 when the event does not say."""

    @property
    def kind(self) -> str:
        """``created``, ``changed`` or ``deleted`` for appointment events."""
        return self.event.removeprefix("activity.")

    @property
    def about_an_appointment(self) -> bool:
        return self.event in APPOINTMENT_EVENTS


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), headers.get("x-superoffice-signature", "").encode()):
        raise CrmWebhookRejected("The notification's signature is not SuperOffice's.")


def read_event(body: bytes) -> CrmEvent:
    """The notification's fields we use; CrmWebhookMalformed naming what is wrong."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CrmWebhookMalformed("The body is not JSON.") from None
    if not isinstance(message, dict):
        raise CrmWebhookMalformed("The body must be a JSON object (a webhook payload).")
    event_id = message.get("EventId")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > EVENT_ID_LIMIT:
        raise CrmWebhookMalformed("EventId is missing (or not an id).")
    event = message.get("Event")
    if not isinstance(event, str) or not event:
        raise CrmWebhookMalformed("Event is missing.")
    primary_key = _whole_number(message, "PrimaryKey", required=True)
    if event in APPOINTMENT_EVENTS and primary_key < 1:
        raise CrmWebhookMalformed("PrimaryKey must be the appointment's id.")
    context_id = message.get("ContextIdentifier", "")
    if not isinstance(context_id, str):
        raise CrmWebhookMalformed("ContextIdentifier must be text.")
    for name in ("FieldValues", "Values"):
        if name in message and not isinstance(message[name], dict | None):
            raise CrmWebhookMalformed(f"{name} must be an object.")
    values = message.get("FieldValues") or {}
    return CrmEvent(
        event_id=event_id.strip(),
        event=event,
        context_id=context_id,
        primary_key=primary_key,
        changed_by=_whole_number(message, "ChangedByAssociateId"),
        owner_id=_whole_number(values, "associate_id"),
    )


def _whole_number(values: dict[str, Any], name: str, *, required: bool = False) -> int:
    value = values.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise CrmWebhookMalformed(f"{name} must be a whole number.")
    return value
