"""permissions/devicetypes/ and permissions/devices/: per-object group permissions,
for superusers only. Groups show as names, permissions as codenames."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.resolvers import devices, inventory
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import GrantRow
from gql_server.resolvers.lookups import Condition
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError
from gql_server.rest.fields import FieldReader, lookup_id, missing_objects
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

GrantWindow = Callable[
    [RequestContext, Sequence[Condition], Sequence[tuple[str, bool]], int, int],
    Awaitable[tuple[int, list[GrantRow]]],
]
Save = Callable[
    [RequestContext, int | None, str | None, str | None, str | None], Awaitable[GrantRow]
]


@dataclasses.dataclass(frozen=True)
class GrantKind:
    """The resolvers and names of one kind of per-object permission."""

    prefix: str  # the route, e.g. "permissions/devices"
    title: str  # DRF's view name, e.g. "Group Device Permission"
    field_set: str  # the filter field set
    target: str  # the JSON field naming the object: "devicetype" or "device"
    window: GrantWindow
    row: Callable[[RequestContext, int], Awaitable[GrantRow]]
    save: Save
    delete: Callable[[RequestContext, int], Awaitable[None]]

    @property
    def ordering(self) -> frozenset[str]:
        """Any model field (LAVA's ``__all__``), by the filter field set's names."""
        return frozenset({"id", "group", "permission", self.field_set.removesuffix("_permission")})

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
        devices.require_superuser(ctx)
        window, params = Window.of(request), request.query_params
        count, found = await kind.window(
            ctx,
            conditions(params, kind.field_set),
            ordering(params, kind.ordering),
            window.offset,
            window.limit,
        )
        return answer(page(request, window, count, [kind.json(grant) for grant in found]))

    async def saved(ctx: RequestContext, request: Request, grant_id: int | None) -> GrantRow:
        devices.require_superuser(ctx)
        data = await request_data(request, JSON_FORM_MULTIPART)
        reader = FieldReader(data, partial=request.method == "PATCH")
        for name in ("group", "permission", kind.target):
            reader.text(name, required=True, nullable=False, blank=False)
        values = reader.values_or_400()
        try:
            return await kind.save(
                ctx,
                grant_id,
                values.get("group"),
                values.get("permission"),
                values.get(kind.target),
            )
        except devices.MissingReferences as exc:
            raise missing_objects(exc.missing, related) from None
        except devices.NameTaken:
            raise RestError(400, {"non_field_errors": [unique]}) from None

    async def grant_create(ctx: RequestContext, request: Request) -> Response:
        return answer(kind.json(await saved(ctx, request, None)), 201)

    async def grant_detail(ctx: RequestContext, request: Request) -> Response:
        return answer(kind.json(await kind.row(ctx, lookup_id(request, "grant_id"))))

    async def grant_update(ctx: RequestContext, request: Request) -> Response:
        return answer(kind.json(await saved(ctx, request, lookup_id(request, "grant_id"))))

    async def grant_delete(ctx: RequestContext, request: Request) -> Response:
        await kind.delete(ctx, lookup_id(request, "grant_id"))
        return Response(status_code=204)

    return [
        Endpoint(
            f"/{kind.prefix}/",
            f"{kind.title} List",
            {"GET": grant_list, "POST": grant_create},
            filters=kind.field_set,
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
    field_set="device_type_permission",
    target="devicetype",
    window=inventory.counted_device_type_grants,
    row=inventory.device_type_grant_row,
    save=inventory.save_device_type_grant,
    delete=inventory.delete_device_type_grant,
)
DEVICE_GRANTS = GrantKind(
    prefix="permissions/devices",
    title="Group Device Permission",
    field_set="device_permission",
    target="device",
    window=devices.counted_device_grants,
    row=devices.device_grant_row,
    save=devices.save_device_grant,
    delete=devices.delete_device_grant,
)

ENDPOINTS = [*_endpoints(DEVICE_TYPE_GRANTS), *_endpoints(DEVICE_GRANTS)]
