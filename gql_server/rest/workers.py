"""workers/: visible workers, their env and dispatcher configuration, and health.

A worker's token is never shown, not even to superusers (decisions.md: no secrets on
any door); LAVA shows it to superusers as the last field.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import Worker
from gql_server.lab.enums import WorkerHealth, WorkerState
from gql_server.resolvers import inventory, workers
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import ObjectChangeRefused
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.stored_files import FileKind
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError, detail
from gql_server.rest.fields import (
    FieldReader,
    attachment,
    label_or_none,
    lookup_name,
    serializer_refusals,
)
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer, lava_datetime
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint, Handler

# Any model field but the token (which is never shown).
ORDERING = frozenset(
    {"hostname", "state", "health", "description", "last_ping", "job_limit", "version"}
)
WORKER_FIELDS = {
    "hostname": "string",
    "description": "string",
    "health": "string",
    "job_limit": "integer",
}
HOSTNAME_TAKEN = "worker with this Hostname already exists."


def worker_json(worker: Worker) -> dict[str, Any]:
    """A worker as LAVA's serializer writes it (``health`` before ``state``), no token."""
    return {
        "hostname": worker.hostname,
        "health": WorkerHealth(worker.health).display,
        "state": WorkerState(worker.state).display,
        "description": worker.description,
        "last_ping": lava_datetime(worker.last_ping),
        "job_limit": worker.job_limit,
        "version": worker.version,
    }


async def worker_list(ctx: RequestContext, request: Request) -> Response:
    """``GET workers/``: one page of the visible workers that match the filters."""
    window, params = Window.of(request), request.query_params
    count, found = await workers.counted_workers(
        ctx,
        conditions(params, "worker"),
        ordering(params, ORDERING),
        window.offset,
        window.limit,
    )
    return answer(page(request, window, count, [worker_json(worker) for worker in found]))


def _worker_values(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The serializer's writable fields (the hostname on creation only)."""
    reader = FieldReader(data, partial=not creating)
    if creating:
        reader.name("hostname", max_length=workers.HOSTNAME_LENGTH)
    reader.text("description")
    reader.label("health", WorkerHealth)
    reader.integer("job_limit", minimum=0)
    return reader.values_or_400()


async def worker_create(ctx: RequestContext, request: Request) -> Response:
    """``POST workers/`` (global ``add_worker``): 201 with the new worker."""
    workers.require_worker_writer(ctx)
    values = _worker_values(await request_data(request, JSON_FORM_MULTIPART), creating=True)
    with serializer_refusals(taken={"hostname": [HOSTNAME_TAKEN]}):
        worker = await workers.create_worker_record(
            ctx,
            values["hostname"],
            values.get("description"),
            values.get("health"),
            values.get("job_limit"),
        )
    return answer(worker_json(worker), 201)


async def worker_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET workers/<hostname>/``: 404 when absent or hidden."""
    hostname = lookup_name(request, "hostname")
    return answer(worker_json(await workers.listed_worker(ctx, hostname)))


async def worker_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH workers/<hostname>/`` (global ``change_worker``), partial either
    way; a health change moves the worker's devices as LAVA's transitions do."""
    inventory.require_model_permission(ctx, "change_worker")
    hostname = lookup_name(request, "hostname")
    values = _worker_values(await request_data(request, JSON_FORM_MULTIPART), creating=False)
    worker = await workers.change_worker_record(
        ctx,
        hostname,
        values.get("description"),
        values.get("health"),
        values.get("job_limit"),
    )
    return answer(worker_json(worker))


async def worker_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE workers/<hostname>/`` (global ``delete_worker``): 204."""
    await workers.delete_worker_record(ctx, lookup_name(request, "hostname"))
    return Response(status_code=204)


def _file_action(kind: FileKind, field: str, label: str, filename: str) -> dict[str, Handler]:
    """The GET and POST handlers of a worker's stored file: the file as
    ``application/yaml`` (400 when none is stored), and its replacement from ``field``."""

    async def read(ctx: RequestContext, request: Request) -> Response:
        hostname = lookup_name(request, "hostname")
        text = await workers.listed_worker_file(ctx, kind, hostname)
        if text is None:
            raise detail(400, f"Worker '{hostname}' does not have '{label}' file")
        return attachment(text, "application/yaml", filename)

    async def write(ctx: RequestContext, request: Request) -> Response:
        workers.require_worker_writer(ctx)
        hostname = lookup_name(request, "hostname")
        reader = FieldReader(await request_data(request, JSON_FORM_MULTIPART), partial=False)
        reader.text(field, required=True, nullable=False)
        text = reader.values_or_400()[field]
        await workers.store_listed_worker_file(ctx, kind, hostname, text)
        return answer({"message": "content successfully updated"})

    return {"GET": read, "POST": write}


async def set_health(ctx: RequestContext, request: Request) -> Response:
    """``POST workers/<hostname>/set_health/`` (LAVA master) with ``health`` and an
    optional ``reason``: 202."""
    workers.require_worker_writer(ctx)
    hostname = lookup_name(request, "hostname")
    wanted = (await request_data(request, JSON_FORM_MULTIPART)).get("health")
    try:
        await workers.set_listed_worker_health(ctx, hostname, label_or_none(WorkerHealth, wanted))
    except workers.InsufficientPermissions as exc:
        raise detail(403, exc.message) from None
    except ObjectChangeRefused:
        raise RestError(403, {"message": "Permission denied"}) from None
    except BadInput:
        raise RestError(400, {"message": f"Wrong worker health {wanted}"}) from None
    return answer({"message": "OK"}, 202)


ENDPOINTS = [
    Endpoint(
        "/workers/",
        "Worker List",
        {"GET": worker_list, "POST": worker_create},
        filters="worker",
        ordering=ORDERING,
        paginated=True,
        fields=WORKER_FIELDS,
    ),
    Endpoint(
        "/workers/{hostname}/",
        "Worker Instance",
        {
            "GET": worker_detail,
            "PUT": worker_update,
            "PATCH": worker_update,
            "DELETE": worker_delete,
        },
        fields=WORKER_FIELDS,
    ),
    Endpoint(
        "/workers/{hostname}/env/",
        "Env",
        _file_action(FileKind.WORKER_ENV, "env", "env", "env.yaml"),
        fields={"env": "string"},
    ),
    Endpoint(
        "/workers/{hostname}/config/",
        "Config",
        _file_action(FileKind.WORKER_CONFIG, "config", "dispatcher", "dispatcher.yaml"),
        fields={"config": "string"},
    ),
    Endpoint(
        "/workers/{hostname}/set_health/",
        "Set health",
        {"POST": set_health},
        fields={"health": "string", "reason": "string"},
    ),
]
