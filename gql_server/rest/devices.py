"""devices/: devices, their dictionaries and health.

Retired devices are left out of the list, the detail and every action unless ``?all=``
has a value (any value, as in LAVA).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import Device
from gql_server.lab import job_context
from gql_server.lab.enums import DeviceHealth, DeviceState
from gql_server.resolvers import devices
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.permissions import require_superuser
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError, detail
from gql_server.rest.fields import (
    FieldReader,
    attachment,
    include_retired,
    label_or_none,
    lookup_name,
    serializer_refusals,
)
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

# The fields LAVA's device list may be ordered by (rest-v02.md §6).
ORDERING = frozenset(
    {
        "hostname",
        "device_type",
        "device_version",
        "physical_owner",
        "physical_group",
        "description",
        "tags",
        "state",
        "health",
        "worker_host",
        "is_synced",
    }
)
# The body fields of the device writes, with their JSON types.
DEVICE_FIELDS = {
    "hostname": "string",
    "device_type": "string",
    "device_version": "string",
    "physical_owner": "integer",
    "physical_group": "integer",
    "description": "string",
    "tags": "array",
    "health": "string",
    "worker_host": "string",
    "is_synced": "boolean",
}
HOSTNAME_TAKEN = "device with this Hostname already exists."
# The resolver's keys for the related fields, with each field's name (all by primary key).
RELATED = {
    "device_type_id": ("device_type", None),
    "physical_owner_id": ("physical_owner", None),
    "physical_group_id": ("physical_group", None),
    "tag_ids": ("tags", None),
    "worker_host_id": ("worker_host", None),
}


def device_json(device: Device, tag_ids: list[int]) -> dict[str, Any]:
    """A device as LAVA's serializer writes it."""
    return {
        "hostname": device.hostname,
        "device_type": device.device_type_id,
        "device_version": device.device_version,
        "physical_owner": device.physical_owner_id,
        "physical_group": device.physical_group_id,
        "description": device.description,
        "tags": tag_ids,
        "state": DeviceState(device.state).display,
        "health": DeviceHealth(device.health).display,
        "last_health_report_job": device.last_health_report_job_id,
        "worker_host": device.worker_host_id,
        "is_synced": device.is_synced,
    }


async def _shown(ctx: RequestContext, device: Device, status: int = 200) -> Response:
    tags = await devices.device_tag_ids(ctx, [device.hostname])
    return answer(device_json(device, tags[device.hostname]), status)


async def device_list(ctx: RequestContext, request: Request) -> Response:
    """``GET devices/``: one page of the visible devices that match the filters, by
    hostname unless ``ordering`` says otherwise."""
    window, params = Window.of(request), request.query_params
    count, found = await devices.counted_devices(
        ctx,
        include_retired(request),
        conditions(params, "device"),
        ordering(params, ORDERING),
        window.offset,
        window.limit,
    )
    tags = await devices.device_tag_ids(ctx, [device.hostname for device in found])
    results = [device_json(device, tags[device.hostname]) for device in found]
    return answer(page(request, window, count, results))


def _device_values(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The serializer's writable fields, by the resolver's keys (the hostname only on
    creation: it is read-only afterwards)."""
    reader = FieldReader(data, partial=not creating)
    if creating:
        reader.name("hostname", max_length=devices.HOSTNAME_LENGTH)
    reader.text("device_type", "device_type_id", required=True, nullable=False, blank=False)
    reader.text("device_version", max_length=200)
    reader.primary_key("physical_owner", "physical_owner_id")
    reader.primary_key("physical_group", "physical_group_id")
    reader.text("description")
    reader.primary_keys("tags", "tag_ids")
    reader.label("health", DeviceHealth)
    reader.text("worker_host", "worker_host_id", max_length=200)
    reader.boolean("is_synced")
    return reader.values_or_400()


async def device_create(ctx: RequestContext, request: Request) -> Response:
    """``POST devices/`` (superusers): 201 with the new device."""
    require_superuser(ctx)
    values = _device_values(await request_data(request, JSON_FORM_MULTIPART), creating=True)
    hostname = values.pop("hostname")
    with serializer_refusals(RELATED, {"hostname": [HOSTNAME_TAKEN]}):
        device = await devices.create_device_record(ctx, hostname, values)
    return await _shown(ctx, device, 201)


async def device_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET devices/<hostname>/``."""
    hostname = lookup_name(request, "hostname")
    return await _shown(ctx, await devices.listed_device(ctx, hostname, include_retired(request)))


async def device_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH devices/<hostname>/`` (superusers): partial either way (LAVA
    master); the hostname cannot change."""
    require_superuser(ctx)
    hostname = lookup_name(request, "hostname")
    values = _device_values(await request_data(request, JSON_FORM_MULTIPART), creating=False)
    with serializer_refusals(RELATED):
        device = await devices.change_device_record(ctx, hostname, include_retired(request), values)
    return await _shown(ctx, device)


async def device_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE devices/<hostname>/`` (superusers): 204."""
    hostname = lookup_name(request, "hostname")
    await devices.delete_device_record(ctx, hostname, include_retired(request))
    return Response(status_code=204)


def _job_context(text: str | None) -> dict[str, Any]:
    """The template variables of the ``context`` parameter (a YAML mapping)."""
    try:
        return job_context.context_variables(text)
    except job_context.ContextError as exc:
        raise detail(400, f"Job Context '{text}' is not valid: {exc}") from None


async def dictionary(ctx: RequestContext, request: Request) -> Response:
    """``GET devices/<hostname>/dictionary/``: the Jinja2 dictionary as stored, or with
    ``render`` the YAML configuration rendered with ``context``."""
    hostname = lookup_name(request, "hostname")
    await devices.listed_device(ctx, hostname, include_retired(request))
    params = request.query_params
    variables = _job_context(params.get("context"))
    if params.get("render"):
        text = await devices.render_device_configuration(ctx, hostname, variables)
        media_type, filename = "application/yaml", f"{hostname}.yaml"
    else:
        text = await devices.device_dictionary(ctx, hostname)
        media_type, filename = "text/plain", f"{hostname}.jinja2"
    if text is None:
        raise detail(400, f"Device '{hostname}' does not have a configuration")
    return attachment(text, media_type, filename)


async def store_dictionary(ctx: RequestContext, request: Request) -> Response:
    """``POST devices/<hostname>/dictionary/`` with ``dictionary``: needs the right to
    change the device."""
    devices.require_device_writer(ctx)
    hostname = lookup_name(request, "hostname")
    reader = FieldReader(await request_data(request, JSON_FORM_MULTIPART), partial=False)
    reader.text("dictionary", required=True, nullable=False, blank=False)
    text = reader.values_or_400()["dictionary"]
    await devices.store_listed_device_dictionary(ctx, hostname, include_retired(request), text)
    return answer({"message": "device config successfully updated"})


async def set_health(ctx: RequestContext, request: Request) -> Response:
    """``POST devices/<hostname>/set_health/`` with ``health`` and ``reason``: 202."""
    devices.require_device_writer(ctx)
    hostname = lookup_name(request, "hostname")
    data = await request_data(request, JSON_FORM_MULTIPART)
    wanted = data.get("health")
    try:
        await devices.set_listed_device_health(
            ctx, hostname, include_retired(request), label_or_none(DeviceHealth, wanted)
        )
    except devices.ObjectChangeRefused:
        raise RestError(403, {"message": "Permission denied"}) from None
    except BadInput:
        raise RestError(400, {"message": f"Wrong device health {wanted}"}) from None
    return answer({"message": "OK"}, 202)


async def validate(ctx: RequestContext, request: Request) -> Response:
    """``POST devices/validate/`` (LAVA master: a ``text/plain`` body, the global
    ``add_device`` permission): always 200 with the verdict once there is a text."""
    devices.require_device_writer(ctx)
    text = (await request_data(request, VALIDATE_PARSES)).get("text", "")
    try:
        problem = await devices.device_configuration_check(ctx, text)
    except BadInput:
        raise RestError(400, {"device": "Device dictionary is required."}) from None
    if problem is None:
        return answer({"message": "Device dictionary valid."})
    return answer({"message": f"Device dictionary invalid: {problem}"})


VALIDATE_PARSES = ("text/plain",)

ENDPOINTS = [
    Endpoint(
        "/devices/",
        "Device List",
        {"GET": device_list, "POST": device_create},
        filters="device",
        ordering=ORDERING,
        paginated=True,
        fields=DEVICE_FIELDS,
    ),
    Endpoint("/devices/validate/", "Validate", {"POST": validate}, parses=VALIDATE_PARSES),
    Endpoint(
        "/devices/{hostname}/",
        "Device Instance",
        {
            "GET": device_detail,
            "PUT": device_update,
            "PATCH": device_update,
            "DELETE": device_delete,
        },
        fields=DEVICE_FIELDS,
    ),
    Endpoint(
        "/devices/{hostname}/dictionary/",
        "Dictionary",
        {"GET": dictionary, "POST": store_dictionary},
        fields={"dictionary": "string"},
    ),
    Endpoint(
        "/devices/{hostname}/set_health/",
        "Set health",
        {"POST": set_health},
        fields={"health": "string", "reason": "string"},
    ),
]
