"""A user's access token at the provider, refreshed ahead of expiry, one refresh at a time per grant.

Zoom's refresh tokens die the moment they are used, so two requests that refresh the same grant at once would leave
one of them with a dead token and the user disconnected. Refreshing therefore happens under the grant's row lock
(an UPDATE of the row first: a row lock on PostgreSQL, the write lock on SQLite), across every worker and process,
and whoever gets the lock second finds the fresh token already there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, UserConnection
from backend.providers.base import ErrorKind, ProviderError, VideoProvider
from backend.security import InvalidToken, TokenCipher

REFRESH_MARGIN = timedelta(minutes=5)
log = logging.getLogger(__name__)


class ReconnectNeeded(Exception):
    """The user's grant is missing or dead: they must connect their provider account (again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def reconnect_message(provider_name: str) -> str:
    return f"Your {provider_name} connection no longer works. Connect your {provider_name} account again."


async def access_token(
    sessions: async_sessionmaker[AsyncSession],
    *,
    connection_id: int,
    provider: VideoProvider,
    cipher: TokenCipher,
    now: datetime,
    refused: str | None = None,
) -> str:
    """A usable access token. ``refused``: a token the provider just refused, so it must be replaced now."""
    async with sessions() as db:
        connection = await _load(db, connection_id)
        if connection is None or connection.state == ConnectionState.BROKEN:
            raise ReconnectNeeded(reconnect_message(provider.name))
        current = cipher.decrypt(connection.access_token_encrypted)
        if current and current != refused and _fresh(connection, now):
            return current
    return await _refresh_single_flight(sessions, connection_id, provider, cipher, now, refused)


async def _refresh_single_flight(
    sessions: async_sessionmaker[AsyncSession],
    connection_id: int,
    provider: VideoProvider,
    cipher: TokenCipher,
    now: datetime,
    refused: str | None,
) -> str:
    async with sessions() as db:
        # Lock first, then read: whoever waited here sees what the previous holder stored.
        await db.exec(  # type: ignore[call-overload]
            update(UserConnection)
            .where(UserConnection.id == connection_id)  # type: ignore[arg-type]
            .values(token_version=UserConnection.token_version)
        )
        connection = await _load(db, connection_id)
        if connection is None or connection.state == ConnectionState.BROKEN:
            await db.rollback()
            raise ReconnectNeeded(reconnect_message(provider.name))
        current = cipher.decrypt(connection.access_token_encrypted)
        if current and current != refused and _fresh(connection, now):
            await db.commit()
            return current
        try:
            grant = await provider.refresh(cipher.decrypt(connection.refresh_token_encrypted) or "")
        except ProviderError as error:
            if error.kind is not ErrorKind.GRANT_REVOKED:
                await db.rollback()
                raise
            connection.state = ConnectionState.BROKEN
            db.add(connection)
            await db.commit()
            raise ReconnectNeeded(reconnect_message(provider.name)) from error
        connection.access_token_encrypted = cipher.encrypt(grant.access_token)
        if grant.refresh_token:  # providers that do not rotate send none back: keep the one we have
            connection.refresh_token_encrypted = cipher.encrypt(grant.refresh_token)
        connection.token_expires_at = grant.expires_at
        db.add(connection)
        await db.commit()
        return grant.access_token


async def revoke_stored_grant(provider: VideoProvider, cipher: TokenCipher, stored: str | None) -> None:
    """Revoke an encrypted grant at the provider, best effort: our copy is deleted whatever the provider says."""
    try:
        token = cipher.decrypt(stored)
        if token:
            await provider.revoke(token)
    except (ProviderError, InvalidToken) as error:
        log.warning("revoking a %s grant failed: %s", provider.name, type(error).__name__)


def _fresh(connection: UserConnection, now: datetime) -> bool:
    return connection.token_expires_at is not None and connection.token_expires_at > now + REFRESH_MARGIN


async def _load(db: AsyncSession, connection_id: int) -> UserConnection | None:
    statement = (
        select(UserConnection).where(UserConnection.id == connection_id).execution_options(populate_existing=True)
    )
    return (await db.exec(statement)).first()
