"""Re-encrypting stored provider tokens under the newest key (the second half of a key rotation)."""

from __future__ import annotations

import logging

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, CrmGrant, CrmWebhook, ProviderConnection, UserConnection
from backend.security import InvalidToken, TokenCipher
from backend.services.broken_connections import mark_unreadable, readable

log = logging.getLogger(__name__)


async def reencrypt_tokens(db: AsyncSession, cipher: TokenCipher) -> int:
    """Every stored token and webhook secret under the first configured key; returns how many connections were
    rewritten. What no configured key decrypts cannot be rewritten and must not stop the rest: a connection is
    marked broken and a SuperOffice sign-in forgotten, as when they are next used; a webhook secret is left for
    Repair, which gives the webhook a new one."""
    count = 0
    for table in (ProviderConnection, UserConnection, CrmGrant):
        for holder in (await db.exec(select(table))).all():
            if not readable(cipher, holder):
                if isinstance(holder, CrmGrant):
                    log.warning("a SuperOffice sign-in of tenant %s cannot be decrypted; forgotten", holder.tenant_id)
                    await db.delete(holder)
                elif holder.state != ConnectionState.BROKEN:
                    mark_unreadable(holder)
                    db.add(holder)
                continue
            holder.access_token_encrypted = cipher.reencrypt(holder.access_token_encrypted)
            holder.refresh_token_encrypted = cipher.reencrypt(holder.refresh_token_encrypted)
            db.add(holder)
            count += 1
    for webhook in (await db.exec(select(CrmWebhook))).all():
        try:
            webhook.secret_encrypted = cipher.reencrypt(webhook.secret_encrypted) or ""
        except InvalidToken:
            log.warning("the SuperOffice webhook secret of tenant %s cannot be decrypted", webhook.tenant_id)
            continue
        db.add(webhook)
    await db.commit()
    return count
