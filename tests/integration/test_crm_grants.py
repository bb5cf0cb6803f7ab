"""Kept SuperOffice sign-ins on a real database: a sign-in is stored whatever else touches the same user's row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.superoffice import CrmTokens
from backend.db import create_engine, session_factory
from backend.models import CrmGrant, Tenant
from backend.security import TokenCipher
from backend.services.crm_grants import forget_crm_grants, remember_crm_grant
from backend.settings import Settings

pytestmark = pytest.mark.anyio
CIPHER = TokenCipher([Fernet.generate_key()])


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield session_factory(engine)
    await engine.dispose()


async def _tenant(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as db:
        tenant = Tenant(context_id="Cust12345", company_name="Demo", webapi_url="https://sod.example/Cust12345/api/")
        db.add(tenant)
        await db.commit()
        assert tenant.id is not None
        return tenant.id


def _tokens(access: str) -> CrmTokens:
    return CrmTokens(access_token=access, refresh_token=f"refresh-{access}",
                     expires_at=datetime.now(UTC) + timedelta(hours=1))  # fmt: skip


async def _remember(sessions: async_sessionmaker[AsyncSession], tenant_id: int, access: str) -> None:
    async with sessions() as db:
        await remember_crm_grant(db, CIPHER, tenant_id=tenant_id, associate_id=7, tokens=_tokens(access))


async def _kept(sessions: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessions() as db:
        return [CIPHER.decrypt(g.access_token_encrypted) for g in (await db.exec(select(CrmGrant))).all()]


async def test_two_sign_ins_of_one_user_at_once_keep_one_grant(sessions: async_sessionmaker[AsyncSession]) -> None:
    tenant_id = await _tenant(sessions)

    await asyncio.gather(_remember(sessions, tenant_id, "first"), _remember(sessions, tenant_id, "second"))

    assert len(kept := await _kept(sessions)) == 1 and kept[0] in ("first", "second")


async def test_a_sign_in_is_kept_when_the_old_grant_is_forgotten_meanwhile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tenant_id = await _tenant(sessions)
    await _remember(sessions, tenant_id, "before")

    async def forget() -> None:
        async with sessions() as db:
            await forget_crm_grants(db, tenant_id)
            await db.commit()

    await asyncio.gather(_remember(sessions, tenant_id, "after"), forget())

    assert await _kept(sessions) in ([], ["after"])  # whichever came last; never an error
