"""devicetypes/: visible device types, their templates and health checks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import DeviceType
from gql_server.lab.enums import HealthDenominator
from gql_server.resolvers import inventory
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.permissions import require_superuser
from gql_server.resolvers.stored_files import FileKind
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError, detail
from gql_server.rest.fields import (
    FieldReader,
    attachment,
    lookup_name,
    serializer_refusals,
)
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint, Handler

# DRF's default ordering fields: the serializer's single-valued model fields.
ORDERING = frozenset(
    {
        "name",
        "architecture",
        "processor",
        "cpu_model",
        "bits",
        "core_count",
        "description",
        "health_frequency",
        "disable_health_check",
        "health_denominator",
        "display",
    }
)
DEVICE_TYPE_FIELDS = {
    "name": "string",
    "architecture": "string",
    "processor": "string",
    "cpu_model": "string",
    "bits": "integer",
    "cores": "array",
    "core_count": "integer",
    "description": "string",
    "health_frequency": "integer",
    "disable_health_check": "boolean",
    "display": "boolean",
}
NAME_TAKEN = "device type with this name already exists."
RELATED = {
    "architecture_id": ("architecture", None),
    "processor_id": ("processor", None),
    "bits_id": ("bits", None),
    "core_names": ("cores", None),
}


def device_type_json(device_type: DeviceType, links: inventory.DeviceTypeLinks) -> dict[str, Any]:
    """A device type as LAVA's serializer writes it."""
    return {
        "name": device_type.name,
        "architecture": device_type.architecture_id,
        "processor": device_type.processor_id,
        "cpu_model": device_type.cpu_model,
        "aliases": links.aliases,
        "bits": device_type.bits_id,
        "cores": links.cores,
        "core_count": device_type.core_count,
        "description": device_type.description,
        "health_frequency": device_type.health_frequency,
        "disable_health_check": device_type.disable_health_check,
        "health_denominator": HealthDenominator(device_type.health_denominator).display,
        "display": device_type.display,
    }


async def _shown(ctx: RequestContext, device_type: DeviceType, status: int = 200) -> Response:
    links = await inventory.device_type_links(ctx, [device_type.name])
    return answer(device_type_json(device_type, links[device_type.name]), status)


async def device_type_list(ctx: RequestContext, request: Request) -> Response:
    """``GET devicetypes/``: one page of the visible device types that match the filters."""
    window, params = Window.of(request), request.query_params
    count, found = await inventory.counted_device_types(
        ctx,
        conditions(params, "device_type"),
        ordering(params, ORDERING),
        window.offset,
        window.limit,
    )
    links = await inventory.device_type_links(ctx, [device_type.name for device_type in found])
    results = [device_type_json(device_type, links[device_type.name]) for device_type in found]
    return answer(page(request, window, count, results))


def _device_type_values(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The serializer's writable fields by the resolver's keys (aliases and the health
    denominator are read-only; the name is set on creation only)."""
    reader = FieldReader(data, partial=not creating)
    if creating:
        reader.name("name", max_length=inventory.DEVICE_TYPE_NAME_LENGTH)
    reader.text("architecture", "architecture_id")
    reader.text("processor", "processor_id")
    reader.text("cpu_model", max_length=100)
    reader.primary_key("bits", "bits_id")
    reader.names("cores", "core_names")
    reader.integer("core_count", nullable=True, minimum=0, maximum=32767)
    reader.text("description")
    reader.integer("health_frequency")
    reader.boolean("disable_health_check")
    reader.boolean("display")
    return reader.values_or_400()


async def device_type_create(ctx: RequestContext, request: Request) -> Response:
    """``POST devicetypes/`` (superusers): 201 with the new device type."""
    require_superuser(ctx)
    data = await request_data(request, JSON_FORM_MULTIPART)
    values = _device_type_values(data, creating=True)
    name = values.pop("name")
    with serializer_refusals(RELATED, {"name": [NAME_TAKEN]}):
        device_type = await inventory.create_device_type_record(ctx, name, values)
    return await _shown(ctx, device_type, 201)


async def device_type_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET devicetypes/<name>/``: 404 when absent or hidden."""
    name = lookup_name(request, "name")
    return await _shown(ctx, await inventory.visible_device_type(ctx, name))


async def device_type_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH devicetypes/<name>/`` (superusers), partial either way."""
    require_superuser(ctx)
    name = lookup_name(request, "name")
    data = await request_data(request, JSON_FORM_MULTIPART)
    values = _device_type_values(data, creating=False)
    with serializer_refusals(RELATED):
        device_type = await inventory.change_device_type_record(ctx, name, values)
    return await _shown(ctx, device_type)


async def device_type_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE devicetypes/<name>/`` (superusers): 204; 400 while devices use it."""
    await inventory.delete_device_type_record(ctx, lookup_name(request, "name"))
    return Response(status_code=204)


def _file_action(
    kind: FileKind, field: str, what: str, filename: str, required: str
) -> dict[str, Handler]:
    """The GET and POST handlers of a device type's stored file (``template/`` or
    ``health_check/``): the file as ``application/yaml`` (400 when none is stored), and
    its replacement from ``field`` (204; the global ``change_device`` permission)."""

    async def read(ctx: RequestContext, request: Request) -> Response:
        name = lookup_name(request, "name")
        text = await inventory.device_type_file(ctx, kind, name)
        if text is None:
            raise detail(400, f"Device-type '{name}' {what} was not found.")
        return attachment(text, "application/yaml", filename.format(name))

    async def write(ctx: RequestContext, request: Request) -> Response:
        name = lookup_name(request, "name")
        text = (await request_data(request, JSON_FORM_MULTIPART)).get(field)
        try:
            await inventory.store_device_type_file(
                ctx, kind, name, text if isinstance(text, str) else ""
            )
        except BadInput:
            raise RestError(400, {field: required}) from None
        return Response(status_code=204)

    return {"GET": read, "POST": write}


ENDPOINTS = [
    Endpoint(
        "/devicetypes/",
        "Device Type List",
        {"GET": device_type_list, "POST": device_type_create},
        filters="device_type",
        ordering=ORDERING,
        paginated=True,
        fields=DEVICE_TYPE_FIELDS,
    ),
    Endpoint(
        "/devicetypes/{name}/",
        "Device Type Instance",
        {
            "GET": device_type_detail,
            "PUT": device_type_update,
            "PATCH": device_type_update,
            "DELETE": device_type_delete,
        },
        fields=DEVICE_TYPE_FIELDS,
    ),
    Endpoint(
        "/devicetypes/{name}/health_check/",
        "Health check",
        _file_action(
            FileKind.HEALTH_CHECK,
            "config",
            "health check",
            "{}_health_check.yaml",
            "Health check configuration is required.",
        ),
        fields={"config": "string"},
    ),
    Endpoint(
        "/devicetypes/{name}/template/",
        "Template",
        _file_action(
            FileKind.DEVICE_TYPE_TEMPLATE,
            "template",
            "template",
            "{}.jinja2",
            "Device type template is required.",
        ),
        fields={"template": "string"},
    ),
]
