"""Migration 0009 gives the outbox's existing ``.device`` events their device; an outside
producer's events get it when recorded (our own writes' in tests/schema/test_device_history);
a device's newest events are read from an index."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import sqlalchemy

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import EventRecord
from gql_server.events.wire import Event
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.device_history import newest_events
from gql_server.resolvers.events import device_of, record_external_event
from tests.support.databases import sync_url

WHEN = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DEVICE_DATA = {
    "health": "Good",
    "state": "Idle",
    "device": "qemu-01",
    "device_type": "qemu",
    "worker": None,
}
JOB_DATA = {"job": 7, "state": "Running", "health": "Unknown", "device": "qemu-01"}
WORKER_DATA = {"hostname": "worker-01", "health": "Active", "state": "Online"}
OLD_EVENTS = [
    ("org.lavasoftware.device", DEVICE_DATA),
    ("org.lavasoftware.testjob", JOB_DATA),
    ("org.lavasoftware.worker", WORKER_DATA),
    ("org.lavasoftware.device", {**DEVICE_DATA, "device": "x" * 201}),
]


async def _migrate(url: str, revision: str) -> None:
    engine = create_engine(url)
    await migrate(engine, revision)
    await engine.dispose()


def test_the_migration_fills_in_the_device_of_device_events_only(empty_database):
    asyncio.run(_migrate(empty_database, "0008"))
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    table = sqlalchemy.table(
        "gql_server_event",
        *(sqlalchemy.column(name) for name in ("topic", "message_id", "created", "username")),
        sqlalchemy.column("data"),
    )
    with engine.begin() as connection:
        for number, (topic, data) in enumerate(OLD_EVENTS):
            connection.execute(
                table.insert().values(
                    topic=topic,
                    message_id=f"00000000-0000-1000-8000-{number:012d}",
                    created=WHEN,
                    username="lavaserver",
                    data=json.dumps(data),
                )
            )
    asyncio.run(_migrate(empty_database, "head"))
    with engine.connect() as connection:
        devices = connection.execute(
            sqlalchemy.text("SELECT device FROM gql_server_event ORDER BY id")
        ).scalars()
        assert list(devices) == ["qemu-01", None, None, None]
        indexes = {
            index["name"]: index["column_names"]
            for index in sqlalchemy.inspect(connection).get_indexes("gql_server_event")
        }
    engine.dispose()
    assert indexes["ix_gql_server_event_device"] == ["device", "seq"]


def test_device_of_names_the_subject_of_device_events_only():
    def event(topic: str, data: dict) -> Event:
        return Event(topic, "00000000-0000-1000-8000-000000000000", WHEN, "lavaserver", data)

    assert [device_of(event(topic, data)) for topic, data in OLD_EVENTS] == [
        "qemu-01",
        None,
        None,
        None,
    ]


def test_an_outside_producers_device_event_is_recorded_with_its_device(empty_database):
    async def record() -> None:
        engine = create_engine(empty_database)
        await migrate(engine)
        ctx = RequestContext(session_factory(engine), Viewer(is_superuser=True))
        try:
            for number, (topic, data) in enumerate(OLD_EVENTS[:3]):
                uuid = f"00000000-0000-1000-8000-{number:012d}"
                assert await record_external_event(ctx, Event(topic, uuid, WHEN, "x", data))
        finally:
            await ctx.close()
            await engine.dispose()

    asyncio.run(record())
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.select(EventRecord.device, EventRecord.job_id).order_by(EventRecord.id)
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("qemu-01", None), (None, 7), (None, None)]


def test_a_devices_newest_events_are_read_from_the_index(empty_database):
    asyncio.run(_migrate(empty_database, "head"))
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    statement = newest_events("qemu-01", 1000, 21).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")  # the table is empty
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}").scalars().all()
        else:
            plan = [
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")
            ]
    engine.dispose()
    text = "\n".join(plan)
    assert "ix_gql_server_event_device" in text and "Sort" not in text and "TEMP B-TREE" not in text
