"""The query string of a list route read as LAVA's filters (django-filter's syntax).

``field=value``, ``field__<lookup>=value``, relations followed with ``__``
(``actual_device__worker_host__hostname=w1``), a relation alone filtered by its primary
key (``submitter=2``), ``!=`` to negate, comma-separated ``__in`` lists. Only the fields
and lookups of the route's field set (an allow-list: ``resolvers/filter_fields.py``) are
read. Parameters that name no field (``limit``, ``format``, ``search``...) are ignored, as
LAVA ignores them; a field with a lookup it does not have (``health_check__in``), which
LAVA would silently drop and so answer the whole list, is a 400 instead. A value of the
wrong type is django-filter's 400 ``{"<parameter>": ["<message>"]}``. Empty values are
ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import QueryParams

from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import INVALID_CHOICE, Condition, Field, Kind, Relation
from gql_server.rest.errors import RestError, invalid_filter

ENTER_A_NUMBER = "Enter a number."
ENTER_A_DATETIME = "Enter a valid date/time."
UNSUPPORTED = "This lookup is not one of the filters of this field."
_WHOLE_DOCUMENT = frozenset({"contains", "has_key", "has_keys", "has_any_keys"})


def _choice_error(parameter: str, text: str) -> RestError:
    message = f"Select a valid choice. {text} is not one of the available choices."
    return invalid_filter(parameter, message)


def _number(parameter: str, text: str) -> int:
    """An integer within a 32-bit column's range."""
    try:
        value = int(text)
    except ValueError:
        raise invalid_filter(parameter, ENTER_A_NUMBER) from None
    if not -(2**31) <= value < 2**31:
        raise invalid_filter(parameter, ENTER_A_NUMBER)
    return value


def _decimal(parameter: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise invalid_filter(parameter, ENTER_A_NUMBER) from None
    if not value.is_finite():
        raise invalid_filter(parameter, ENTER_A_NUMBER)
    return value


def _moment(parameter: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise invalid_filter(parameter, ENTER_A_DATETIME) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _boolean(parameter: str, text: str) -> bool:
    if text in {"true", "True", "1"}:
        return True
    if text in {"false", "False", "0"}:
        return False
    raise _choice_error(parameter, text)


def _label(field: Field, parameter: str, text: str) -> Any:
    assert field.labels is not None
    for member in field.labels:
        if member.display == text or (
            field.labels_ignore_case and member.display.lower() == text.lower()
        ):
            return member
    raise _choice_error(parameter, text)


_READERS = {
    Kind.NUMBER: _number,
    Kind.DECIMAL: _decimal,
    Kind.DATETIME: _moment,
    Kind.BOOLEAN: _boolean,
}


def _scalar(field: Field, parameter: str, text: str) -> Any:
    """One value of the field's kind."""
    if field.kind is Kind.LABEL:
        return _label(field, parameter, text)
    reader = _READERS.get(field.kind)
    return reader(parameter, text) if reader is not None else text


def _typed(field: Field, lookup: str, parameter: str, text: str) -> Any:
    if lookup == "isnull":
        return _boolean(parameter, text)
    if lookup == "in":
        return [_scalar(field, parameter, part) for part in text.split(",")]
    if lookup in {"regex", "iregex"}:
        try:
            re.compile(text)
        except re.error:
            raise invalid_filter(parameter, "Enter a valid regular expression.") from None
        return text
    return _scalar(field, parameter, text)


def _document_path(field: Field, parts: list[str]) -> tuple[tuple[str, ...], str]:
    """The key path and lookup of ``metadata__<key>[__<key>...][__<lookup>]``."""
    if not parts or not parts[0]:
        raise RestError(400, ["Missing metadata key in 'metadata__'"])
    *keys, last = parts
    if keys and last in field.lookups:
        return tuple(keys), last
    return (*keys, last), "exact"


def _flattened(document: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(key path, text) of every scalar leaf of a JSON object, texts as LAVA stores them."""
    pairs = []
    for key, value in document.items():
        if isinstance(value, dict):
            pairs += _flattened(value, (*prefix, str(key)))
        elif isinstance(value, bool):
            pairs.append(((*prefix, str(key)), "true" if value else "false"))
        else:
            pairs.append(((*prefix, str(key)), str(value)))
    return pairs


def _document_condition(field: Field, parameter: str, parts: list[str], text: str) -> Any:
    """(lookup, value) of a metadata filter."""
    if len(parts) == 1 and parts[0] in _WHOLE_DOCUMENT:
        lookup = parts[0]
        if lookup != "contains":
            return lookup, [key for key in text.split(",") if key]
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise RestError(400, [f"metadata__contains expects a JSON object, got '{text}'"])
        return lookup, _flattened(document)
    path, lookup = _document_path(field, parts)
    compared = Field(None, Kind.TEXT, frozenset())
    if lookup == "isnull" and text not in {"true", "false", "1", "0"}:
        raise RestError(400, [f"Invalid value for '{parameter}': expected true or false"])
    return lookup, (path, _typed(compared, lookup, parameter, text))


def _condition(key: str, parameter: str, text: str) -> Condition | None:
    negated = parameter.endswith("!")
    parts = parameter.removesuffix("!").split("__")
    path: list[str] = []
    fields = FIELD_SETS[key]
    while parts:
        name = parts.pop(0)
        entry = fields.get(name)
        if entry is None:
            if path:
                raise invalid_filter(parameter, UNSUPPORTED)
            return None
        path.append(name)
        if isinstance(entry, Relation):
            fields = FIELD_SETS[entry.target]
            if not parts:
                field = fields[entry.key]
                assert isinstance(field, Field)
                try:
                    value = _scalar(field, parameter, text)
                except RestError:
                    raise invalid_filter(parameter, INVALID_CHOICE) from None
                path.append(entry.key)
                return Condition(tuple(path), "exact", value, negated, parameter, choice=True)
            continue
        if entry.kind is Kind.DOCUMENT:
            lookup, value = _document_condition(entry, parameter, parts, text)
            return Condition(tuple(path), lookup, value, negated, parameter)
        lookup = parts[0] if parts else "exact"
        if len(parts) > 1 or lookup not in entry.lookups:
            raise invalid_filter(parameter, UNSUPPORTED)
        return Condition(
            tuple(path), lookup, _typed(entry, lookup, parameter, text), negated, parameter
        )
    return None


def conditions(params: QueryParams, key: str) -> list[Condition]:
    """The filters of the query string on the model of field set ``key``."""
    found = []
    for parameter, text in params.multi_items():
        if not text:
            continue
        condition = _condition(key, parameter, text)
        if condition is not None:
            found.append(condition)
    return found


def ordering(params: QueryParams, allowed: frozenset[str]) -> list[tuple[str, bool]]:
    """``ordering=a,-b`` as (field, descending) pairs; fields not allowed are dropped."""
    keys = []
    for term in params.get("ordering", "").split(","):
        name = term.strip().removeprefix("-")
        if name in allowed:
            keys.append((name, term.strip().startswith("-")))
    return keys
