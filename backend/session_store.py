"""Where browser sessions live server-side: the database on the embedded default (every process of an instance
shares it), Redis when ``MEETINGS_REDIS_URL`` is set. Both are Litestar stores, so the session middleware neither
knows nor cares which."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import WebSession, utcnow
from backend.settings import Settings

SWEEP_EVERY_SECONDS = 600


class DatabaseStore(Store):
    """A Litestar store on our database (table ``web_session``). Expired rows are never returned, and are swept
    away every few minutes by whichever process writes next."""

    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> None:
        self._sessions = sessions  # the app's sessionmaker exists only once its lifespan has started
        self._next_sweep = 0.0

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        async with self._sessions()() as db:
            row = await db.get(WebSession, key) or WebSession(key=key, value=data)
            row.value, row.expires_at = data, _expiry(expires_in)
            db.add(row)
            if time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                await db.exec(delete(WebSession).where(col(WebSession.expires_at) < utcnow()))  # type: ignore[call-overload]
            await db.commit()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        async with self._sessions()() as db:
            row = await db.get(WebSession, key)
            if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
                return None
            if renew_for is not None and row.expires_at is not None:
                row.expires_at = _expiry(renew_for)
                db.add(row)
                await db.commit()
            return row.value

    async def delete(self, key: str) -> None:
        async with self._sessions()() as db:
            await db.exec(delete(WebSession).where(col(WebSession.key) == key))  # type: ignore[call-overload]
            await db.commit()

    async def delete_all(self) -> None:
        async with self._sessions()() as db:
            await db.exec(delete(WebSession))  # type: ignore[call-overload]
            await db.commit()

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with self._sessions()() as db:
            row = await db.get(WebSession, key)
        if row is None or row.expires_at is None:
            return None
        return max(0, int((row.expires_at - utcnow()).total_seconds()))


def session_store(settings: Settings, sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> Store:
    """Redis when configured (several instances, or to keep sessions off the database), else the database."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="meetings-sessions")
    return DatabaseStore(sessions)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return utcnow() + timedelta(seconds=seconds)
