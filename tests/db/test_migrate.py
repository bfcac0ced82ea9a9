"""Migrations create LAVA's tables, and running them twice changes nothing."""

from __future__ import annotations

import asyncio

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gql_server.db.engine import create_engine
from gql_server.db.migrate import migrate
from gql_server.db.models import Base
from tests.support.databases import sync_url

LAVA_TABLES = {
    "lava_scheduler_app_testjob",
    "lava_scheduler_app_device",
    "lava_scheduler_app_devicetype",
    "lava_scheduler_app_worker",
    "lava_scheduler_app_tag",
    "lava_scheduler_app_alias",
    "lava_results_app_testsuite",
    "lava_results_app_testset",
    "lava_results_app_testcase",
    "linaro_django_xmlrpc_authtoken",
    "auth_user",
    "auth_group",
}


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    await migrate(engine)
    await engine.dispose()


def test_migrate_creates_lava_tables_idempotently(empty_database):
    asyncio.run(_migrate(empty_database))
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    inspector = sqlalchemy.inspect(engine)
    tables = set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("lava_scheduler_app_testjob")}
    engine.dispose()
    assert tables >= LAVA_TABLES
    assert {
        "actual_device_id",
        "requested_device_type_id",
        "submitter_id",
        "is_public",
        "health_check",
        "metadata",
    } <= columns


def test_sqlite_uses_wal(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'wal.sqlite3'}"
    asyncio.run(_migrate(url))
    engine = sqlalchemy.create_engine(sync_url(url))
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    assert mode == "wal"


def test_device_keeps_its_last_health_report_key(empty_database):
    asyncio.run(_migrate(empty_database))
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    keys = sqlalchemy.inspect(engine).get_foreign_keys("lava_scheduler_app_device")
    engine.dispose()
    assert any(
        key["referred_table"] == "lava_scheduler_app_testjob"
        and key["constrained_columns"] == ["last_health_report_job_id"]
        for key in keys
    )


def test_migrations_build_exactly_the_models(empty_database):
    asyncio.run(_migrate(empty_database))
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
