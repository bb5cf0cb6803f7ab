"""Reading the audit trail: the company's activity, newest first, a page at a time or all of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import AuditEvent

PAGE_SIZE = 50
EXPORT_BATCH = 500


@dataclass(frozen=True)
class ActivityPage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int


async def activity_page(db: AsyncSession, tenant_id: int, page: int = 1) -> ActivityPage:
    total = (await db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.tenant_id == tenant_id))).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    statement = (
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return ActivityPage(list((await db.exec(statement)).all()), page, pages, total)


async def all_activity(db: AsyncSession, tenant_id: int) -> AsyncIterator[AuditEvent]:
    """Every event of the company, newest first, read in batches (for the CSV export)."""
    offset = 0
    while True:
        statement = (
            select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id)
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .offset(offset)
            .limit(EXPORT_BATCH)
        )
        batch = list((await db.exec(statement)).all())
        for event in batch:
            yield event
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


async def latest_company_event(db: AsyncSession, tenant_id: int) -> AuditEvent | None:
    """The newest event about the company's provider (connected, disconnected, uninstalled at the provider...)."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id, col(AuditEvent.action).startswith("provider."))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(1)
    )
    return (await db.exec(statement)).first()
