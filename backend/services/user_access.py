"""Revocable bearer tokens: a CRM user's tokens (extension, web panel) count while their generation is current.

A token carries the generation it was issued under; revoking bumps the user's generation, so every token issued
before (in every browser) is refused from then on. Nothing else is stored per token: the check is one row read.
Revoking does not commit: it is part of the caller's change (a removed configuration, a disconnect), so both
happen or neither.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import UserAccess, utcnow
from backend.security import UserIdentity
from backend.services import audit
from backend.services.audit import Actor


async def current_generation(db: AsyncSession, tenant_id: int, associate_id: int) -> int:
    """The generation new tokens of this user are issued under (the user's row is made on first use)."""
    access = await _access(db, tenant_id, associate_id)
    if access is not None:
        return access.generation
    try:
        async with db.begin_nested():
            db.add(UserAccess(tenant_id=tenant_id, associate_id=associate_id))
        await db.commit()
    except IntegrityError:  # a sign-in in another tab made it first
        await db.rollback()
    access = await _access(db, tenant_id, associate_id)
    assert access is not None
    return access.generation


async def still_valid(db: AsyncSession, who: UserIdentity) -> bool:
    """Whether a token of ``who`` has not been revoked."""
    access = await _access(db, who.tenant_id, who.associate_id)
    return access is not None and access.generation == who.version


async def revoke(db: AsyncSession, tenant_id: int, associate_ids: Sequence[int] | None = None) -> None:
    """Revoke these users' tokens (``None``: every user of the company), within the caller's transaction."""
    statement = (
        update(UserAccess)
        .where(col(UserAccess.tenant_id) == tenant_id)
        .values(generation=UserAccess.generation + 1, revoked_at=utcnow())
    )
    if associate_ids is not None:
        statement = statement.where(col(UserAccess.associate_id).in_(list(associate_ids)))
    await db.exec(statement)  # type: ignore[call-overload]


async def sign_out_everywhere(db: AsyncSession, tenant_id: int, who: Actor) -> None:
    """The user's own "sign out everywhere": every browser's extension and video meeting tab signs in again."""
    assert who.associate_id is not None
    await revoke(db, tenant_id, [who.associate_id])
    audit.record(db, tenant_id=tenant_id, action="user.signed_out_everywhere", actor=who,
                 subject_associate_id=who.associate_id)  # fmt: skip
    await db.commit()


async def _access(db: AsyncSession, tenant_id: int, associate_id: int) -> UserAccess | None:
    statement = (
        select(UserAccess)
        .where(UserAccess.tenant_id == tenant_id, UserAccess.associate_id == associate_id)
        .execution_options(populate_existing=True)
    )
    return (await db.exec(statement)).first()
