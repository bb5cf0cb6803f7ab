"""Notifications already handled (provider and CRM webhooks): the same delivery twice is acted on once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import WebhookReceipt, utcnow

RECEIPTS_KEPT = timedelta(days=1)


class ReplayedDelivery(Exception):
    """This exact delivery was handled before."""


async def record_delivery(db: AsyncSession, sender: str, digest: str) -> None:
    """Remember a delivery once; the same one again raises ReplayedDelivery. Old receipts are dropped."""
    now = utcnow()
    await db.exec(delete(WebhookReceipt).where(col(WebhookReceipt.received_at) < now - RECEIPTS_KEPT))  # type: ignore[call-overload]
    db.add(WebhookReceipt(provider=sender, digest=digest, received_at=now))
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise ReplayedDelivery from None
