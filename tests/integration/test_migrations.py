"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL, and go back down."""

import asyncio

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from backend.db import alembic_config, create_engine, upgrade_database
from backend.settings import Settings

TABLES = {"tenant", "provider_connection", "user_connection", "meeting", "audit_event"}


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
