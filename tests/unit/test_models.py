"""The tables on the test's real database (SQLite or PostgreSQL): constraints the later queries rely on."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db import create_engine, session_factory
from backend.models import Meeting, ProviderKind, Tenant, UserConnection
from backend.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def session(settings: Settings) -> AsyncIterator[AsyncSession]:
    engine = create_engine(settings)
    async with session_factory(engine)() as db_session:
        yield db_session
    await engine.dispose()


async def _tenant(session: AsyncSession, context_id: str = "Cust12345") -> Tenant:
    tenant = Tenant(context_id=context_id, company_name="Demo Company AS")
    session.add(tenant)
    await session.commit()
    return tenant


def _meeting(tenant: Tenant, **values: object) -> Meeting:
    defaults: dict[str, object] = {
        "tenant_id": tenant.id,
        "associate_id": 2,
        "provider": ProviderKind.ZOOM,
        "provider_meeting_id": "85746065432",
        "join_url": "https://zoom.example/j/85746065432",
        "start_at": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        "idempotency_key": "key-1",
    }
    return Meeting(**{**defaults, **values})


async def test_times_come_back_aware_and_in_utc(session: AsyncSession) -> None:
    tenant = await _tenant(session)
    oslo_winter = timezone(timedelta(hours=1))
    session.add(_meeting(tenant, start_at=datetime(2026, 11, 25, 10, 0, tzinfo=oslo_winter)))
    await session.commit()
    session.expunge_all()

    stored = (await session.exec(select(Meeting))).one()

    assert stored.start_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert stored.start_at.utcoffset() == timedelta(0)
    assert stored.created_at.tzinfo is not None


async def test_a_naive_time_is_refused_rather_than_guessed(session: AsyncSession) -> None:
    tenant = await _tenant(session)
    session.add(_meeting(tenant, start_at=datetime(2026, 11, 25, 10, 0)))

    with pytest.raises(StatementError, match="naive datetime"):
        await session.commit()


async def test_one_user_connection_per_associate_and_tenant(session: AsyncSession) -> None:
    tenant = await _tenant(session)
    other = await _tenant(session, "Cust67890")
    session.add(UserConnection(tenant_id=tenant.id, associate_id=2, provider=ProviderKind.ZOOM))
    session.add(UserConnection(tenant_id=other.id, associate_id=2, provider=ProviderKind.ZOOM))
    await session.commit()

    session.add(UserConnection(tenant_id=tenant.id, associate_id=2, provider=ProviderKind.TEAMS))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_an_idempotency_key_makes_one_meeting(session: AsyncSession) -> None:
    tenant = await _tenant(session)
    session.add(_meeting(tenant))
    await session.commit()

    session.add(_meeting(tenant, provider_meeting_id="other"))
    with pytest.raises(IntegrityError):
        await session.commit()


async def test_a_context_id_names_one_tenant(session: AsyncSession) -> None:
    await _tenant(session)

    with pytest.raises(IntegrityError):
        await _tenant(session)
