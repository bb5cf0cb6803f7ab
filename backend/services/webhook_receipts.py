"""Notifications already handled (provider and CRM webhooks): the same delivery twice is acted on once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import WebhookReceipt, utcnow

RECEIPTS_KEPT = timedelta(days=1)
"""At least: a sender that accepts older notifications (Google: 7 days) has its receipts kept a day longer than that."""


class ReplayedDelivery(Exception):
    """This exact delivery was handled before."""


async def record_delivery(
    db: AsyncSession, sender: str, digest: str, *, accepted_for: timedelta = timedelta(0)
) -> None:
    """Remember a delivery once; the same one again raises ReplayedDelivery. ``accepted_for``: how old a delivery
    the sender's verification still accepts; this sender's receipts are kept a day longer, then dropped."""
    now = utcnow()
    kept = max(RECEIPTS_KEPT, accepted_for + timedelta(days=1))
    expired = (col(WebhookReceipt.provider) == sender) & (col(WebhookReceipt.received_at) < now - kept)
    await db.exec(delete(WebhookReceipt).where(expired))  # type: ignore[call-overload]
    db.add(WebhookReceipt(provider=sender, digest=digest, received_at=now))
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise ReplayedDelivery from None
