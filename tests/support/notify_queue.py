"""A migrated database with a session factory, for the notification queue's tests."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import NotificationDelivery

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


@contextlib.asynccontextmanager
async def queue_sessions(url: str, *, migrated: bool = False) -> AsyncIterator[async_sessionmaker]:
    """Sessions on ``url`` through an engine of their own (one per simulated worker);
    migrates the database first unless ``migrated``."""
    engine = create_engine(url)
    try:
        if not migrated:
            await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def rows(sessions: async_sessionmaker) -> list[NotificationDelivery]:
    """Every queued notification, in id order."""
    async with sessions() as session:
        return list((await session.scalars(select(NotificationDelivery).order_by("id"))).all())


def seconds(value: float) -> dt.timedelta:
    """A time-delta of ``value`` seconds."""
    return dt.timedelta(seconds=value)
