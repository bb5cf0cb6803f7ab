"""A user's access token at the provider, refreshed ahead of expiry, one refresh at a time per grant.

Zoom's refresh tokens die the moment they are used, so two requests that refresh the same grant at once would leave
one of them with a dead token and the user disconnected. Whoever refreshes first takes a lease on the connection's
row (holder + until, set by one conditional UPDATE in a transaction of its own and committed at once), calls the
provider with no transaction open, and stores the new tokens only while it still holds the lease. Everyone else who
finds a live lease polls the row until the holder has stored a fresh token (or let go, or its lease ran out) and
uses what is stored. A holder that died leaves a lease that simply expires. Tokens that no key decrypts (a lost or
changed token key) break the connection as a refused grant does: its owner is asked to connect again.

Why a lease and not a lock held across the provider call: on SQLite any row lock is the database's one write lock,
so a provider that hangs for its timeout would stop every company's writes for that long. The same lease serves
PostgreSQL too (instead of ``SELECT ... FOR UPDATE``): one way on both databases, tested on both, and no pooled
connection is held while a provider takes its time. It relies on the processes' clocks agreeing to within seconds
(NTP), as the job leases in ``services/jobs`` do. The company's own tokens (``ProviderConnection``) are never
refreshed, only revoked on disconnect, so they need no lease.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.metrics import TOKEN_REFRESHES
from backend.models import ConnectionState, UserConnection, utcnow
from backend.providers.base import ErrorKind, Grant, ProviderError, VideoProvider
from backend.security import InvalidToken, TokenCipher
from backend.services.broken_connections import PROVIDER_REFUSED, mark_unreadable

REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_TIME_LIMIT = timedelta(seconds=60)
"""A refresh that takes longer counts as a timeout (with the default provider timeout its retries fit in it)."""
LEASE = REFRESH_TIME_LIMIT + timedelta(seconds=30)
"""Longer than a holder can take, so a lease is only ever taken over from a holder that died."""
POLL_SECONDS = 0.1
log = logging.getLogger(__name__)


class ReconnectNeeded(Exception):
    """The user's grant is missing or dead: they must connect their provider account (again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def reconnect_message(provider_name: str) -> str:
    return f"Your {provider_name} connection no longer works. Connect your {provider_name} account again."


@dataclass(frozen=True)
class _Stored:
    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None

    def usable(self, now: datetime, refused: str | None) -> str | None:
        fresh = self.expires_at is not None and self.expires_at > now + REFRESH_MARGIN
        return self.access_token if self.access_token and self.access_token != refused and fresh else None


async def access_token(
    sessions: async_sessionmaker[AsyncSession],
    *,
    connection_id: int,
    provider: VideoProvider,
    cipher: TokenCipher,
    now: datetime,
    refused: str | None = None,
    read: UserConnection | None = None,
) -> str:
    """A usable access token. ``refused``: a token the provider just refused, so it must be replaced now. ``read``:
    the connection as the caller has just read it; its token serves while fresh, without reading the row again.

    ReconnectNeeded when the grant is missing or dead; ProviderError when the provider failed to refresh it (or
    another request's refresh of it did not finish in time)."""
    if read is not None and refused is None and (token := _fresh_in(read, cipher, now)):
        return token
    give_up = asyncio.get_running_loop().time() + LEASE.total_seconds()
    while True:
        async with sessions() as db:
            stored = await _stored(db, connection_id, provider, cipher)
        if token := stored.usable(now, refused):
            return token
        lease = await _take_lease(sessions, connection_id)
        if lease is not None:
            token = await _refresh_holding(sessions, connection_id, lease, provider, cipher, now, refused)
            if token is not None:
                return token
        if asyncio.get_running_loop().time() >= give_up:
            raise ProviderError(
                ErrorKind.UNAVAILABLE, f"{provider.name} did not answer in time. Try again in a moment."
            )
        if lease is None:
            await asyncio.sleep(POLL_SECONDS)


def _fresh_in(connection: UserConnection, cipher: TokenCipher, now: datetime) -> str | None:
    """The connection's access token when it is working and not near expiry (else the full path reads and decides)."""
    if connection.state == ConnectionState.BROKEN:
        return None
    try:
        access = cipher.decrypt(connection.access_token_encrypted)
    except InvalidToken:
        return None
    return _Stored(access, None, connection.token_expires_at).usable(now, None)


async def _take_lease(sessions: async_sessionmaker[AsyncSession], connection_id: int) -> str | None:
    """The new lease's holder id, or None while another live lease exists. Committed at once: no lock stays held."""
    holder, moment = uuid.uuid4().hex, utcnow()
    async with sessions() as db:
        taken = await db.exec(  # type: ignore[call-overload]
            update(UserConnection)
            .where(
                col(UserConnection.id) == connection_id,
                or_(
                    col(UserConnection.refresh_lease_until).is_(None), col(UserConnection.refresh_lease_until) < moment
                ),
            )
            .values(refresh_lease_holder=holder, refresh_lease_until=moment + LEASE)
        )
        await db.commit()
    return holder if taken.rowcount == 1 else None


async def _refresh_holding(
    sessions: async_sessionmaker[AsyncSession],
    connection_id: int,
    lease: str,
    provider: VideoProvider,
    cipher: TokenCipher,
    now: datetime,
    refused: str | None,
) -> str | None:
    """Refresh as the lease holder. None when the grant was replaced or removed meanwhile: read it again."""
    ended = False
    try:
        async with sessions() as db:
            # Read after taking the lease: the previous holder may have stored a fresh token just before.
            stored = await _stored(db, connection_id, provider, cipher)
        if token := stored.usable(now, refused):
            return token
        try:
            grant = await _refresh_in_time(provider, stored.refresh_token or "")
        except ProviderError as error:
            revoked = error.kind is ErrorKind.GRANT_REVOKED
            TOKEN_REFRESHES.labels(provider.name, "grant_revoked" if revoked else "failed").inc()
            if not revoked:
                raise
            ended = True
            await _end_lease(
                sessions, connection_id, lease, state=ConnectionState.BROKEN, broken_reason=PROVIDER_REFUSED
            )
            raise ReconnectNeeded(reconnect_message(provider.name)) from error
        TOKEN_REFRESHES.labels(provider.name, "refreshed").inc()
        values = {"access_token_encrypted": cipher.encrypt(grant.access_token), "token_expires_at": grant.expires_at}
        if grant.refresh_token:  # providers that do not rotate send none back: keep the one we have
            values["refresh_token_encrypted"] = cipher.encrypt(grant.refresh_token)
        ended = True
        return grant.access_token if await _end_lease(sessions, connection_id, lease, **values) else None
    finally:
        if not ended:  # let go at once, even when this request is being cancelled: waiters go on without us
            await asyncio.shield(_end_lease(sessions, connection_id, lease))


async def _refresh_in_time(provider: VideoProvider, refresh_token: str) -> Grant:
    try:
        async with asyncio.timeout(REFRESH_TIME_LIMIT.total_seconds()):
            return await provider.refresh(refresh_token)
    except TimeoutError as error:
        raise ProviderError(ErrorKind.UNAVAILABLE, f"{provider.name} did not answer in time. Try again in a moment.",
                            detail={"timeout": True}) from error  # fmt: skip


async def _end_lease(
    sessions: async_sessionmaker[AsyncSession], connection_id: int, lease: str, **values: object
) -> bool:
    """Write ``values`` and end the lease, if ``lease`` still holds it (a reconnect or a removal ends it too)."""
    async with sessions() as db:
        changed = await db.exec(  # type: ignore[call-overload]
            update(UserConnection)
            .where(col(UserConnection.id) == connection_id, col(UserConnection.refresh_lease_holder) == lease)
            .values(refresh_lease_holder=None, refresh_lease_until=None, **values)
        )
        await db.commit()
    return bool(changed.rowcount == 1)


async def _stored(db: AsyncSession, connection_id: int, provider: VideoProvider, cipher: TokenCipher) -> _Stored:
    connection = await _load(db, connection_id)
    if connection is None or connection.state == ConnectionState.BROKEN:
        raise ReconnectNeeded(reconnect_message(provider.name))
    try:
        access = cipher.decrypt(connection.access_token_encrypted)
        refresh = cipher.decrypt(connection.refresh_token_encrypted)
    except InvalidToken:
        mark_unreadable(connection)
        db.add(connection)
        await db.commit()
        raise ReconnectNeeded(reconnect_message(provider.name)) from None
    return _Stored(access, refresh, connection.token_expires_at)


async def revoke_stored_grant(provider: VideoProvider, cipher: TokenCipher, stored: str | None) -> None:
    """Revoke an encrypted grant at the provider, best effort: our copy is deleted whatever the provider says."""
    try:
        token = cipher.decrypt(stored)
        if token:
            await provider.revoke(token)
    except (ProviderError, InvalidToken) as error:
        log.warning("revoking a %s grant failed: %s", provider.name, type(error).__name__)


async def _load(db: AsyncSession, connection_id: int) -> UserConnection | None:
    statement = (
        select(UserConnection).where(UserConnection.id == connection_id).execution_options(populate_existing=True)
    )
    return (await db.exec(statement)).first()
