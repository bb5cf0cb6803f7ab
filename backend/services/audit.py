"""The audit trail: who did what to whom, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import AuditEvent, ProviderKind


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in CRM user (an administrator or the user themselves), a provider, or the system."""

    kind: str
    associate_id: int | None = None
    email: str = ""


SYSTEM = Actor(kind="system")
"""Meetings for SuperOffice itself (a job)."""


def record(
    db: AsyncSession,
    *,
    tenant_id: int,
    action: str,
    actor: Actor,
    provider: ProviderKind | None = None,
    subject_associate_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit row to the caller's transaction (it is written when the caller commits)."""
    event = AuditEvent(
        tenant_id=tenant_id,
        action=action,
        actor_kind=actor.kind,
        actor_associate_id=actor.associate_id,
        subject_associate_id=subject_associate_id,
        provider=provider,
        detail={"actor_email": actor.email, **detail} if actor.email else detail,
    )
    db.add(event)
    return event
