"""A connection that no longer works is a state with a reason the administrator can read, never a 500.

Two reasons: the provider refused the grant (revoked, expired), or our copy of its tokens cannot be decrypted any
more because the token key changed (``MEETINGS_TOKEN_KEYS``, or without it ``MEETINGS_SECRET_KEY``, lost or
replaced: a database restored without its key). Either way the owner connects again, a user their own account and
an administrator the company's; nothing is guessed or silently replaced. A break is logged once, when it happens,
naming the row and never a token.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, ProviderConnection, ProviderTokens, UserConnection
from backend.security import InvalidToken, TokenCipher

KEY_CHANGED = (
    "Its tokens could not be decrypted: the token key changed (MEETINGS_TOKEN_KEYS, or MEETINGS_SECRET_KEY when "
    "no token keys are set)."
)
PROVIDER_REFUSED = "The provider refused the grant: it was revoked or has expired."
log = logging.getLogger(__name__)


def readable(cipher: TokenCipher, holder: ProviderTokens) -> bool:
    """Whether a configured key decrypts the stored tokens."""
    try:
        cipher.decrypt(holder.access_token_encrypted)
        cipher.decrypt(holder.refresh_token_encrypted)
    except InvalidToken:
        return False
    return True


def mark_unreadable(holder: ProviderConnection | UserConnection) -> None:
    """BROKEN because no key decrypts its tokens (the caller commits)."""
    holder.state, holder.broken_reason = ConnectionState.BROKEN, KEY_CHANGED
    log.warning(
        "the tokens of %s %s (tenant %s) cannot be decrypted with the configured keys; it is marked for reconnecting",
        type(holder).__name__,
        holder.id,
        holder.tenant_id,
    )


async def mark_unreadable_ones(
    db: AsyncSession, cipher: TokenCipher, holders: Sequence[ProviderConnection | UserConnection]
) -> None:
    """Mark those whose tokens no key decrypts, so a page listing them tells the truth before anyone uses them."""
    unreadable = [h for h in holders if h.state != ConnectionState.BROKEN and not readable(cipher, h)]
    for holder in unreadable:
        mark_unreadable(holder)
        db.add(holder)
    if unreadable:
        await db.commit()
