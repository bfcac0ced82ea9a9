"""Keyset (cursor) pagination: every page costs what the first one costs."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from gql_server.db.types import UTCDateTime
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


@dataclasses.dataclass(frozen=True)
class PageArgs:
    """Relay-style page arguments: ``first``/``after`` forwards, ``last``/``before`` backwards."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    def size(self) -> int:
        """The validated page size."""
        if self.first is not None and self.last is not None:
            raise BadInput("give either first or last, not both")
        size = self.last if self.backwards else self.first
        if size is None:
            return DEFAULT_PAGE_SIZE
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise BadInput(f"page size must be between 0 and {MAX_PAGE_SIZE}, got {size}")
        return size


FIRST_PAGE = PageArgs()


@dataclasses.dataclass(frozen=True)
class SortKey:
    """An ordering: a sort column (possibly NULL) and a unique tie-breaker column."""

    column: InstrumentedAttribute
    unique: InstrumentedAttribute
    descending: bool = False

    @property
    def single(self) -> bool:
        return self.column is self.unique

    def values(self, item: Any) -> list[Any]:
        """The cursor values of one item."""
        if self.single:
            return [getattr(item, self.unique.key)]
        return [getattr(item, self.column.key), getattr(item, self.unique.key)]


@dataclasses.dataclass
class Page(Generic[T]):
    """One page of a list, with its cursors and a lazily computed total."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the given key values."""
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_value(raw: Any, column: InstrumentedAttribute) -> Any:
    if raw is None:
        return None
    if isinstance(column.type, UTCDateTime):
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("cursor time without a zone")
        return value
    if not isinstance(raw, column.type.python_type):
        raise ValueError("cursor value of the wrong type")
    return raw


def decode_cursor(cursor: str, key: SortKey) -> list[Any]:
    """Key values from a cursor made by :func:`encode_cursor` for the same ordering."""
    columns = [key.unique] if key.single else [key.column, key.unique]
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns) or raw[-1] is None:
            raise ValueError("cursor of another list")
        return [_decode_value(v, c) for v, c in zip(raw, columns, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput(f"invalid cursor {cursor!r}") from exc


def _beyond(column: InstrumentedAttribute, value: Any, descending: bool) -> Any:
    return column < value if descending else column > value


def _after_clause(key: SortKey, values: list[Any], descending: bool, nulls_last: bool) -> Any:
    """Rows strictly after ``values`` when walking in the given direction."""
    unique_after = _beyond(key.unique, values[-1], descending)
    if key.single:
        return unique_after
    column, value = key.column, values[0]
    if value is None:
        tie = and_(column.is_(None), unique_after)
        return tie if nulls_last else or_(column.is_not(None), tie)
    clause = or_(_beyond(column, value, descending), and_(column == value, unique_after))
    return or_(clause, column.is_(None)) if nulls_last else clause


def _order(key: SortKey, descending: bool, nulls_last: bool) -> list[Any]:
    def direction(column: InstrumentedAttribute) -> Any:
        return column.desc() if descending else column.asc()

    if key.single:
        return [direction(key.unique)]
    sort = direction(key.column)
    sort = sort.nulls_last() if nulls_last else sort.nulls_first()
    return [sort, direction(key.unique)]


async def paginate(
    ctx: RequestContext,
    statement: Select,
    key: SortKey,
    args: PageArgs,
) -> Page[Any]:
    """Run one page of ``statement`` (a filtered select of entities) in ``key`` order."""
    size = args.size()
    backwards = args.backwards
    walk_descending = key.descending != backwards
    nulls_last = not backwards
    cursor = args.before if backwards else args.after
    page_statement = statement
    if cursor is not None:
        values = decode_cursor(cursor, key)
        page_statement = page_statement.where(
            _after_clause(key, values, walk_descending, nulls_last)
        )
    page_statement = page_statement.order_by(*_order(key, walk_descending, nulls_last))
    page_statement = page_statement.limit(size + 1)
    async with ctx.db() as session:
        rows = list((await session.scalars(page_statement)).all()) if size else []
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    async def count() -> int:
        counting = select(func.count()).select_from(statement.order_by(None).subquery())
        async with ctx.db() as session:
            return int((await session.execute(counting)).scalar_one())

    return Page(
        items=rows,
        cursors=[encode_cursor(key.values(row)) for row in rows],
        has_next_page=more if not backwards else args.before is not None,
        has_previous_page=more if backwards else args.after is not None,
        count=count,
    )
