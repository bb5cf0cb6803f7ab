"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL, and go back down."""

import asyncio

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from backend.db import alembic_config, create_engine, upgrade_database
from backend.settings import Settings

TABLES = {
    "tenant", "provider_connection", "user_connection", "meeting", "audit_event", "webhook_receipt",
    "crm_grant", "job", "invitation_delivery", "crm_webhook", "crm_web_panel", "user_access", "web_session",
}  # fmt: skip


async def _tables(settings: Settings) -> set[str]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


def test_upgrade_builds_the_models_tables_and_downgrade_removes_them(empty_settings: Settings) -> None:
    config = alembic_config(empty_settings)

    upgrade_database(empty_settings)
    assert asyncio.run(_tables(empty_settings)) == TABLES
    command.check(config)  # raises if the models and the migrated schema differ

    command.downgrade(config, "base")
    assert asyncio.run(_tables(empty_settings)) == set()

    upgrade_database(empty_settings)
    assert asyncio.run(_tables(empty_settings)) == TABLES


def test_the_migration_history_is_one_straight_line(empty_settings: Settings) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(empty_settings))

    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1


def test_a_company_connected_before_0002_keeps_working_after_it(empty_settings: Settings) -> None:
    # A released migration meets existing rows: the added column must get a value for them.
    upgrade_database(empty_settings, "0001")

    async def arrange() -> None:
        engine = create_engine(empty_settings)
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("INSERT INTO tenant (context_id, company_name, webapi_url, created_at) VALUES "
                        "('Cust1', 'Old AS', '', CURRENT_TIMESTAMP)")
            )  # fmt: skip
            await connection.execute(
                sa.text("INSERT INTO provider_connection (tenant_id, provider, state, account_id, account_email,"
                        " provider_settings, connected_by_associate_id, connected_by_name, connected_at)"
                        " SELECT id, 'zoom', 'active', 'acc', 'it@old.example', '{}', 1, 'admin', CURRENT_TIMESTAMP"
                        " FROM tenant")
            )  # fmt: skip
        await engine.dispose()

    asyncio.run(arrange())
    upgrade_database(empty_settings)

    async def provider_user_ids() -> list[str]:
        engine = create_engine(empty_settings)
        async with engine.connect() as connection:
            result = await connection.execute(sa.text("SELECT provider_user_id FROM provider_connection"))
            values = [row[0] for row in result]
        await engine.dispose()
        return values

    assert asyncio.run(provider_user_ids()) == [""]
