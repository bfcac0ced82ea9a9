"""Throwaway databases: a SQLite file, or a fresh PostgreSQL database on the local server."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy

POSTGRES_ADMIN_URL = os.environ.get(
    "GQL_SERVER_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count()


def sync_url(async_url: str) -> str:
    """The same database through a synchronous driver, for test setup and checks."""
    return async_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg2")


def _admin_engine() -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_database(backend: str, folder: Path) -> str:
    """A new empty database; returns its async SQLAlchemy URL."""
    number = next(_counter)
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{folder / f'lab-{number}.sqlite3'}"
    name = f"gqltest_{os.getpid()}_{number}"
    engine = _admin_engine()
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    admin = sqlalchemy.engine.make_url(POSTGRES_ADMIN_URL)
    return admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )


def drop_database(url: str) -> None:
    """Remove a database made by :func:`create_database`."""
    parsed = sqlalchemy.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    engine = _admin_engine()
    with engine.connect() as connection:
        connection.execute(
            sqlalchemy.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        )
    engine.dispose()


@contextlib.contextmanager
def throwaway_database(backend: str, folder: Path) -> Iterator[str]:
    """A new empty database of ``backend`` for the block, dropped afterwards."""
    url = create_database(backend, folder)
    try:
        yield url
    finally:
        drop_database(url)
