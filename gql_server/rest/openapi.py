"""An OpenAPI 3.1 description of the REST compatibility API (``GET /api/v0.2/schema/``).

LAVA publishes none; ours is built from the routes themselves: each endpoint's methods,
path parameters, pagination, ordering, filters (every field and lookup of its field set,
relations followed one level) and body fields. Answers are described by status only: the
JSON shapes are LAVA's (``rest-v02.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from gql_server.lab.legacy import LAVA_API_LEVEL
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import Field, Kind, Relation
from gql_server.rest.routing import Endpoint

_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")
_SCHEMAS = {
    Kind.TEXT: {"type": "string"},
    Kind.NUMBER: {"type": "integer"},
    Kind.DECIMAL: {"type": "string"},
    Kind.DATETIME: {"type": "string", "format": "date-time"},
    Kind.BOOLEAN: {"type": "string", "enum": ["true", "false"]},
    Kind.DOCUMENT: {"type": "string"},
}
_ANSWERS = {
    "200": {"description": "LAVA's answer"},
    "400": {"description": "Bad input, in DRF's shape"},
    "403": {"description": "Not authenticated or not permitted"},
    "404": {"description": "Absent or not visible"},
}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _field_schema(field: Field) -> dict[str, Any]:
    if field.kind is Kind.LABEL and field.labels is not None:
        return {"type": "string", "enum": [member.display for member in field.labels]}
    return _SCHEMAS[field.kind]


def filter_parameters(key: str, prefix: str = "", depth: int = 0) -> Iterable[dict[str, Any]]:
    """A query parameter per field and lookup of field set ``key``, relations followed
    once (each filter may also be negated with ``!``, which is not listed)."""
    for name, entry in FIELD_SETS[key].items():
        full = f"{prefix}{name}"
        if isinstance(entry, Relation):
            target = FIELD_SETS[entry.target][entry.key]
            assert isinstance(target, Field)
            yield _query(full, _field_schema(target))
            if depth == 0:
                yield from filter_parameters(entry.target, f"{full}__", depth + 1)
            continue
        if entry.kind is Kind.DOCUMENT:
            yield _query(f"{full}__has_key", {"type": "string"})
            continue
        for lookup in sorted(entry.lookups):
            suffix = "" if lookup == "exact" else f"__{lookup}"
            schema = _field_schema(entry)
            if lookup == "isnull":
                schema = {"type": "string", "enum": ["true", "false"]}
            elif lookup == "in":
                schema = {"type": "string"}
            yield _query(full + suffix, schema)


def _parameters(endpoint: Endpoint, method: str) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAMETER.findall(endpoint.path)
    ]
    if method != "get":
        return found
    if endpoint.paginated:
        found += [
            _query("limit", {"type": "integer", "minimum": 1}),
            _query("offset", {"type": "integer", "minimum": 0}),
        ]
    if endpoint.ordering:
        terms = sorted(endpoint.ordering)
        found.append(
            _query("ordering", {"type": "string", "enum": terms + [f"-{t}" for t in terms]})
        )
    if endpoint.filters is not None:
        found += filter_parameters(endpoint.filters)
    return found


def _operation(endpoint: Endpoint, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": endpoint.name,
        "operationId": f"{method}:{endpoint.path}",
        "parameters": _parameters(endpoint, method),
        "responses": _ANSWERS,
    }
    if method in {"post", "put", "patch"} and endpoint.fields:
        properties = {name: {"type": kind} for name, kind in endpoint.fields.items()}
        schema = {"type": "object", "properties": properties}
        content = {media: {"schema": schema} for media in endpoint.parses if "json" in media}
        if content:
            operation["requestBody"] = {"required": False, "content": content}
    if endpoint.description:
        operation["description"] = endpoint.description
    return operation


def openapi_document(endpoints: Sequence[Endpoint], server_url: str) -> dict[str, Any]:
    """The OpenAPI document of ``endpoints`` served under ``server_url``."""
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        path = _PARAMETER.sub(r"{\1}", endpoint.path)
        paths[path] = {
            method.lower(): _operation(endpoint, method.lower()) for method in endpoint.handlers
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gql-server: LAVA REST API v0.2",
            "version": LAVA_API_LEVEL,
            "description": "LAVA's REST API v0.2 as gql-server serves it.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "security": [{}, {"token": []}],
        "paths": paths,
    }
