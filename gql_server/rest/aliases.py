"""aliases/: device-type aliases, for logged-in callers only (LAVA's model permissions)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import Alias
from gql_server.resolvers import inventory
from gql_server.resolvers.context import RequestContext
from gql_server.rest.body import request_data
from gql_server.rest.fields import FieldReader, lookup_name, serializer_refusals
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

ORDERING = frozenset({"name", "device_type"})
NAME_TAKEN = "alias with this Alias for this device-type already exists."
ALIAS_FIELDS = {"name": "string", "device_type": "string"}
RELATED = {"device_type_id": ("device_type", None)}


def alias_json(alias: Alias) -> dict[str, Any]:
    """An alias as LAVA's serializer writes it."""
    return {"name": alias.name, "device_type": alias.device_type_id}


async def alias_list(ctx: RequestContext, request: Request) -> Response:
    """``GET aliases/``: one page of the aliases of visible, displayed device types."""
    window, params = Window.of(request), request.query_params
    count, found = await inventory.counted_aliases(
        ctx,
        conditions(params, "alias"),
        ordering(params, ORDERING),
        window.offset,
        window.limit,
    )
    return answer(page(request, window, count, [alias_json(alias) for alias in found]))


def _device_type(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    reader = FieldReader(data, partial=not creating)
    if creating:
        reader.name("name", max_length=inventory.ALIAS_NAME_LENGTH)
    reader.text("device_type")
    return reader.values_or_400()


async def alias_create(ctx: RequestContext, request: Request) -> Response:
    """``POST aliases/`` (global ``add_alias``): 201 with the new alias."""
    inventory.require_model_permission(ctx, "add_alias")
    values = _device_type(await request_data(request, JSON_FORM_MULTIPART), creating=True)
    with serializer_refusals(RELATED, {"name": [NAME_TAKEN]}):
        alias = await inventory.create_alias_record(ctx, values["name"], values.get("device_type"))
    return answer(alias_json(alias), 201)


async def alias_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET aliases/<name>/``."""
    return answer(alias_json(await inventory.listed_alias(ctx, lookup_name(request, "name"))))


async def alias_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH aliases/<name>/`` (global ``change_alias``): its device type."""
    inventory.require_model_permission(ctx, "change_alias")
    name = lookup_name(request, "name")
    values = _device_type(await request_data(request, JSON_FORM_MULTIPART), creating=False)
    if "device_type" not in values:
        return answer(alias_json(await inventory.listed_alias(ctx, name)))
    with serializer_refusals(RELATED):
        alias = await inventory.change_alias_record(ctx, name, values["device_type"])
    return answer(alias_json(alias))


async def alias_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE aliases/<name>/`` (global ``delete_alias``): 204."""
    await inventory.delete_alias_record(ctx, lookup_name(request, "name"))
    return Response(status_code=204)


ENDPOINTS = [
    Endpoint(
        "/aliases/",
        "Alias List",
        {"GET": alias_list, "POST": alias_create},
        filters="alias",
        ordering=ORDERING,
        paginated=True,
        fields=ALIAS_FIELDS,
    ),
    Endpoint(
        "/aliases/{name}/",
        "Alias Instance",
        {"GET": alias_detail, "PUT": alias_update, "PATCH": alias_update, "DELETE": alias_delete},
        fields=ALIAS_FIELDS,
    ),
]
