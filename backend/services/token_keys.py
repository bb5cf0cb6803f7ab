"""Re-encrypting stored provider tokens under the newest key (the second half of a key rotation)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import CrmGrant, ProviderConnection, UserConnection
from backend.security import TokenCipher


async def reencrypt_tokens(db: AsyncSession, cipher: TokenCipher) -> int:
    """Every stored token under the first configured key; returns how many connections were rewritten."""
    count = 0
    for table in (ProviderConnection, UserConnection, CrmGrant):
        for holder in (await db.exec(select(table))).all():
            holder.access_token_encrypted = cipher.reencrypt(holder.access_token_encrypted)
            holder.refresh_token_encrypted = cipher.reencrypt(holder.refresh_token_encrypted)
            db.add(holder)
            count += 1
    await db.commit()
    return count
