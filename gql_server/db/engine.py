"""The async engine, its session factory, and a per-request SQL statement counter."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_statement_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "sql_statement_counter", default=None
)


def start_counting_statements() -> list[int]:
    """Count SQL statements run from the current context on; returns the live counter."""
    counter = [0]
    _statement_counter.set(counter)
    return counter


def _count_statement(*_args: Any) -> None:
    counter = _statement_counter.get()
    if counter is not None:
        counter[0] += 1


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(database_url: str, echo: bool = False) -> AsyncEngine:
    """Create the async engine for a URL, with WAL and foreign keys on SQLite."""
    options: dict[str, Any] = {"echo": echo}
    if database_url.startswith("postgresql"):
        options.update(pool_size=10, max_overflow=10, pool_pre_ping=False)
    engine = create_async_engine(database_url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)
    return engine


def dialect_insert(session: AsyncSession) -> Callable[..., Insert]:
    """The INSERT constructor of the session's dialect, which knows ``ON CONFLICT``."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
