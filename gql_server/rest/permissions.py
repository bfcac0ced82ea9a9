"""permissions/devicetypes/ and permissions/devices/: per-object group permissions,
for superusers only. Groups show as names, permissions as codenames."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.resolvers import devices, inventory
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import GrantRow
from gql_server.resolvers.permissions import require_superuser
from gql_server.rest.body import request_data
from gql_server.rest.fields import FieldReader, lookup_id, serializer_refusals
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint


@dataclasses.dataclass(frozen=True)
class GrantKind:
    """The routes and names of one kind of per-object permission."""

    prefix: str  # the route, e.g. "permissions/devices"
    title: str  # DRF's view name, e.g. "Group Device Permission"
    target: str  # the JSON field naming the object: "devicetype" or "device"
    table: devices.GrantTable

    @property
    def ordering(self) -> frozenset[str]:
        """Any model field (LAVA's ``__all__``), by the filter field set's names."""
        return frozenset(
            {"id", "group", "permission", self.table.field_set.removesuffix("_permission")}
        )

    def json(self, grant: GrantRow) -> dict[str, Any]:
        """A grant as LAVA's serializer writes it."""
        return {
            "id": grant.id,
            "group": grant.group,
            "permission": grant.permission,
            self.target: grant.target,
        }


def _endpoints(kind: GrantKind) -> list[Endpoint]:
    related = {
        "group": ("group", "name"),
        "permission": ("permission", "codename"),
        kind.target: (kind.target, None),
    }
    unique = f"The fields group, permission, {kind.target} must make a unique set."
    fields = {"group": "string", "permission": "string", kind.target: "string"}

    async def grant_list(ctx: RequestContext, request: Request) -> Response:
        require_superuser(ctx)
        window, params = Window.of(request), request.query_params
        count, found = await devices.counted_grants(
            ctx,
            kind.table,
            conditions(params, kind.table.field_set),
            ordering(params, kind.ordering),
            window.offset,
            window.limit,
        )
        return answer(page(request, window, count, [kind.json(grant) for grant in found]))

    async def saved(ctx: RequestContext, request: Request, grant_id: int | None) -> GrantRow:
        require_superuser(ctx)
        data = await request_data(request, JSON_FORM_MULTIPART)
        reader = FieldReader(data, partial=request.method == "PATCH")
        for name in ("group", "permission", kind.target):
            reader.text(name, required=True, nullable=False, blank=False)
        values = reader.values_or_400()
        with serializer_refusals(related, {"non_field_errors": [unique]}):
            return await devices.save_grant(
                ctx,
                kind.table,
                grant_id,
                values.get("group"),
                values.get("permission"),
                values.get(kind.target),
            )

    async def grant_create(ctx: RequestContext, request: Request) -> Response:
        return answer(kind.json(await saved(ctx, request, None)), 201)

    async def grant_detail(ctx: RequestContext, request: Request) -> Response:
        return answer(
            kind.json(await devices.grant_row(ctx, kind.table, lookup_id(request, "grant_id")))
        )

    async def grant_update(ctx: RequestContext, request: Request) -> Response:
        return answer(kind.json(await saved(ctx, request, lookup_id(request, "grant_id"))))

    async def grant_delete(ctx: RequestContext, request: Request) -> Response:
        await devices.delete_grant(ctx, kind.table, lookup_id(request, "grant_id"))
        return Response(status_code=204)

    return [
        Endpoint(
            f"/{kind.prefix}/",
            f"{kind.title} List",
            {"GET": grant_list, "POST": grant_create},
            filters=kind.table.field_set,
            ordering=kind.ordering,
            paginated=True,
            fields=fields,
        ),
        Endpoint(
            f"/{kind.prefix}/{{grant_id}}/",
            f"{kind.title} Instance",
            {
                "GET": grant_detail,
                "PUT": grant_update,
                "PATCH": grant_update,
                "DELETE": grant_delete,
            },
            fields=fields,
        ),
    ]


DEVICE_TYPE_GRANTS = GrantKind(
    prefix="permissions/devicetypes",
    title="Group Device Type Permission",
    target="devicetype",
    table=inventory.DEVICE_TYPE_GRANTS,
)
DEVICE_GRANTS = GrantKind(
    prefix="permissions/devices",
    title="Group Device Permission",
    target="device",
    table=devices.DEVICE_GRANTS,
)

ENDPOINTS = [*_endpoints(DEVICE_TYPE_GRANTS), *_endpoints(DEVICE_GRANTS)]
