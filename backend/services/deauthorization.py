"""When a person removes our app at the provider, their data goes, as the provider's rules require.

The user who removed it loses their connection (tokens deleted). If they are the one who connected the company,
the company's setup goes with it, every user's connection too: setup can start over. Meetings stay as history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import Meeting, ProviderConnection, ProviderKind, UserConnection
from backend.providers.base import risc_token_hash
from backend.security import InvalidToken, TokenCipher
from backend.services import audit
from backend.services.audit import Actor


@dataclass(frozen=True)
class Removed:
    companies: int
    users: int


async def holder_of_token(
    db: AsyncSession, *, provider: ProviderKind, token_hash: str, cipher: TokenCipher
) -> str | None:
    """The provider user id whose stored refresh token has this RISC hash (we keep no plain tokens to look up)."""
    for table in (ProviderConnection, UserConnection):
        for holder in (await db.exec(select(table).where(table.provider == provider))).all():
            try:
                token = cipher.decrypt(holder.refresh_token_encrypted)
            except InvalidToken:
                continue
            if token and risc_token_hash(token) == token_hash:
                return holder.provider_user_id
    return None


async def provider_deauthorized(db: AsyncSession, *, provider: ProviderKind, user_id: str, account_id: str) -> Removed:
    """Delete what we hold for this provider user (and, for the installing administrator, the company's setup)."""
    actor = Actor(kind="provider")
    companies = list(
        (
            await db.exec(
                select(ProviderConnection).where(
                    ProviderConnection.provider == provider, ProviderConnection.provider_user_id == user_id
                )
            )
        ).all()
    )
    removed_users = 0
    for company in companies:
        users = list((await db.exec(select(UserConnection).where(UserConnection.tenant_id == company.tenant_id))).all())
        await db.exec(delete(UserConnection).where(UserConnection.tenant_id == company.tenant_id))  # type: ignore[call-overload]
        removed_users += len(users)
        await db.exec(update(Meeting).where(Meeting.tenant_id == company.tenant_id).values(host_url=None))  # type: ignore[call-overload]
        await db.exec(delete(ProviderConnection).where(ProviderConnection.id == company.id))  # type: ignore[call-overload]
        audit.record(db, tenant_id=company.tenant_id, action="provider.deauthorized", actor=actor, provider=provider,
                     account_id=account_id, user_connections_removed=len(users))  # fmt: skip
    users = list(
        (
            await db.exec(
                select(UserConnection).where(
                    UserConnection.provider == provider, UserConnection.provider_user_id == user_id
                )
            )
        ).all()
    )
    for user in users:
        await db.exec(delete(UserConnection).where(UserConnection.id == user.id))  # type: ignore[call-overload]
        audit.record(db, tenant_id=user.tenant_id, action="user.deauthorized", actor=actor, provider=provider,
                     subject_associate_id=user.associate_id)  # fmt: skip
    await db.commit()
    return Removed(companies=len(companies), users=removed_users + len(users))
