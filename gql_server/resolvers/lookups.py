"""Conditions on a model's fields, as LAVA's REST filters express them, turned into SQL.

A :class:`Condition` names a path of fields (through declared relations), a lookup
(``exact``, ``in``, ``icontains``, ``gt``, ``isnull``...) and an already typed value. The
fields each model offers, with their kinds and lookups, are the :class:`FieldSet` tables
of :mod:`gql_server.resolvers.filter_fields`. A condition through a relation becomes an
``EXISTS`` over the related rows, so that many-to-many relations never multiply rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, true

from gql_server.lab.enums import LabEnum
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import InvalidFilter

_TICK = dt.timedelta(microseconds=1)  # stored times have microsecond resolution
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


class Kind(enum.Enum):
    """How a field's filter values are read."""

    TEXT = "text"
    NUMBER = "number"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    LABEL = "label"  # an enum matched by its display label
    DOCUMENT = "document"  # a JSON mapping filtered by key paths


@dataclasses.dataclass(frozen=True)
class Field:
    """A filterable column: its kind and the lookups LAVA declares for it."""

    column: Any
    kind: Kind
    lookups: frozenset[str]
    labels: type[LabEnum] | None = None
    labels_ignore_case: bool = False


@dataclasses.dataclass(frozen=True)
class Relation:
    """A related model: ``rows`` selects the related rows linked to the outer row;
    ``target`` names its field set, ``key`` its primary-key field there, and ``column``
    the outer row's own column that orders by the relation (None for many-to-many)."""

    target: str
    rows: Callable[[], Select]
    key: str
    column: Any = None


FieldSet = Mapping[str, Field | Relation]


@dataclasses.dataclass(frozen=True)
class Condition:
    """``path`` (relation names, then a field) ``lookup`` ``value``, maybe negated.

    ``parameter`` is the query parameter it came from, for error messages; ``choice`` marks
    a relation filtered by its primary key alone, whose value must exist (LAVA's 400)."""

    path: tuple[str, ...]
    lookup: str
    value: Any
    negated: bool = False
    parameter: str = ""
    choice: bool = False


_COMPARISONS = {"lt": "__lt__", "lte": "__le__", "gt": "__gt__", "gte": "__ge__"}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: Any, pattern: str, ignore_case: bool) -> ColumnElement[bool]:
    if ignore_case:
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _document_clause(column: Any, lookup: str, value: Any) -> ColumnElement[bool]:
    """A JSON mapping condition; ``value`` is (key path, compared value)."""
    if lookup == "contains":
        return and_(true(), *(column[path].as_string() == text for path, text in value))
    if lookup in {"has_key", "has_keys"}:
        return and_(true(), *(column[(key,)].as_string().is_not(None) for key in value))
    if lookup == "has_any_keys":
        return or_(false(), *(column[(key,)].as_string().is_not(None) for key in value))
    path, compared = value
    return _field_clause(Field(column[path].as_string(), Kind.TEXT, frozenset()), lookup, compared)


def _field_clause(field: Field, lookup: str, value: Any) -> ColumnElement[bool]:
    column = field.column
    if field.kind is Kind.DOCUMENT:
        return _document_clause(column, lookup, value)
    if field.kind is Kind.LABEL:
        value = [int(member) for member in value] if lookup == "in" else int(value)
    if lookup == "isnull":
        return column.is_(None) if value else column.is_not(None)
    if field.kind is Kind.DATETIME and lookup == "exact":
        return and_(column >= value, column < value + _TICK)
    if lookup == "exact":
        return column.is_(value) if field.kind is Kind.BOOLEAN else column == value
    if lookup == "in":
        return column.in_(list(value))
    if lookup in _COMPARISONS:
        return getattr(column, _COMPARISONS[lookup])(value)
    if lookup == "iexact":
        return func.lower(column) == value.lower()
    if lookup in {"regex", "iregex"}:
        return column.regexp_match(value, flags="i" if lookup == "iregex" else None)
    ignore_case = lookup.startswith("i")
    shape = {"contains": "%{}%", "startswith": "{}%", "endswith": "%{}"}[lookup.lstrip("i")]
    return _like(column, shape.format(_escape_like(value)), ignore_case)


def condition_clause(
    sets: Mapping[str, FieldSet], key: str, path: Sequence[str], lookup: str, value: Any
) -> ColumnElement[bool]:
    """The SQL of one condition on the model of field set ``key``."""
    entry = sets[key][path[0]]
    if isinstance(entry, Field):
        return _field_clause(entry, lookup, value)
    inner = condition_clause(sets, entry.target, path[1:], lookup, value)
    return entry.rows().where(inner).exists()


async def where_clauses(
    ctx: RequestContext,
    sets: Mapping[str, FieldSet],
    key: str,
    conditions: Sequence[Condition],
) -> list[ColumnElement[bool]]:
    """The SQL of every condition; InvalidFilter when a primary key chosen alone for a
    relation names no row (django-filter's "Select a valid choice")."""
    clauses = []
    for condition in conditions:
        if condition.choice:
            await _check_choice(ctx, sets, key, condition)
        clause = condition_clause(sets, key, condition.path, condition.lookup, condition.value)
        clauses.append(not_(clause) if condition.negated else clause)
    return clauses


async def _check_choice(
    ctx: RequestContext, sets: Mapping[str, FieldSet], key: str, condition: Condition
) -> None:
    *relations, field_name = condition.path
    for name in relations:
        key = sets[key][name].target  # type: ignore[union-attr]
    field = sets[key][field_name]
    assert isinstance(field, Field)
    async with ctx.db() as session:
        found = await session.scalar(select(field.column).where(field.column == condition.value))
    if found is None:
        raise InvalidFilter(condition.parameter, INVALID_CHOICE)


def order_columns(
    fields: FieldSet, ordering: Sequence[tuple[str, bool]]
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for (field name, descending) pairs; names without a column of the
    model itself are skipped. Unset values come last either way."""
    terms = []
    for name, descending in ordering:
        entry = fields.get(name)
        column = entry.column if entry is not None else None
        if column is None or (isinstance(entry, Field) and entry.kind is Kind.DOCUMENT):
            continue
        terms.append((column.desc() if descending else column.asc()).nulls_last())
    return terms


async def counted_window(
    ctx: RequestContext,
    matching: Select,
    fields: FieldSet,
    clauses: Sequence[ColumnElement[bool]],
    ordering: Sequence[tuple[str, bool]],
    tiebreak: Sequence[ColumnElement[Any]],
    offset: int,
    limit: int,
) -> tuple[int, list[Any]]:
    """How many rows of ``matching`` satisfy ``clauses``, and ``limit`` of them from
    ``offset`` in ``ordering`` then ``tiebreak``: one LAVA limit/offset page."""
    filtered = matching.where(*clauses)
    statement = filtered.order_by(*order_columns(fields, ordering), *tiebreak)
    counting = filtered.with_only_columns(func.count(), maintain_column_froms=True)
    async with ctx.db() as session:
        count = await session.scalar(counting)
        rows = list(await session.scalars(statement.offset(offset).limit(limit)))
    return count or 0, rows
