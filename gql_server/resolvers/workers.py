"""Workers as LAVA's legacy API manages them: creating, showing, updating and deleting
them, and their configuration files, with LAVA's permission checks and texts.

Every change commits in one transaction with its events in the outbox.
"""

from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import secrets
from collections.abc import Sequence

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gql_server.db.models import StoredFile, Worker
from gql_server.db.types import utcnow
from gql_server.events.wire import worker_event
from gql_server.lab.enums import WorkerHealth, WorkerState
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import (
    NameTaken,
    ObjectChangeRefused,
    devices_by_worker,
)
from gql_server.resolvers.errors import BadInput, LabError, NotFound, PermissionDenied
from gql_server.resolvers.events import record_event
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.inventory import get_worker, set_worker_health
from gql_server.resolvers.lookups import Condition, Field, Kind, counted_window, where_clauses
from gql_server.resolvers.permissions import can_change_worker, require_global, worker_visible
from gql_server.resolvers.stored_files import FileKind, delete_file, read_file, write_file

APP_LABEL = "lava_scheduler_app"
HOSTNAME_LENGTH = 200
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 32
WORKER_FILES = (FileKind.WORKER_CONFIG, FileKind.WORKER_ENV, FileKind.WORKER_ENV_DUT)
YAML_LABELS = {
    FileKind.WORKER_CONFIG: "config",
    FileKind.WORKER_ENV: "env",
    FileKind.WORKER_ENV_DUT: "DUT env",
}


@dataclasses.dataclass(frozen=True)
class WorkerDetails:
    """A worker as ``scheduler.workers.show`` describes it."""

    worker: Worker
    devices: list[str]
    """Hostnames of the visible devices attached to it, sorted."""
    own_files: frozenset[FileKind]
    """The configuration files stored for this worker."""
    token: str | None
    """The worker's secret, for superusers only."""


async def _existing_worker(ctx: RequestContext, hostname: str) -> Worker:
    """The worker, whoever may see it; NotFound with LAVA's text when there is none."""
    async with ctx.db() as session:
        worker = await session.get(Worker, hostname)
    if worker is None:
        raise NotFound(f"Worker '{hostname}' was not found.")
    return worker


async def visible_worker(ctx: RequestContext, hostname: str) -> Worker:
    """The worker: NotFound when absent, then PermissionDenied when the caller may not
    see it (LAVA master's order and texts)."""
    await _existing_worker(ctx, hostname)
    worker = await get_worker(ctx, hostname)
    if worker is None:
        username = ctx.viewer.username or "AnonymousUser"
        raise PermissionDenied(f"Worker '{hostname}' not available to user '{username}'.")
    return worker


async def worker_hostnames(ctx: RequestContext, include_retired: bool = False) -> list[str]:
    """Hostnames of the workers the caller may see, sorted; retired ones on request."""
    statement = select(Worker.hostname).where(await worker_visible(ctx)).order_by(Worker.hostname)
    if not include_retired:
        statement = statement.where(Worker.health != int(WorkerHealth.RETIRED))
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def worker_details(ctx: RequestContext, hostname: str) -> WorkerDetails:
    """A visible worker with its visible devices, which of its files are stored, and
    (for superusers) its token."""
    worker = await visible_worker(ctx, hostname)
    devices = (await devices_by_worker(ctx, [hostname])).get(hostname, [])
    statement = select(StoredFile.kind).where(
        StoredFile.name == hostname, StoredFile.kind.in_([kind.value for kind in WORKER_FILES])
    )
    async with ctx.db() as session:
        own_files = frozenset(FileKind(kind) for kind in await session.scalars(statement))
    return WorkerDetails(
        worker=worker,
        devices=[device.hostname for device in devices],
        own_files=own_files,
        token=worker.token if ctx.viewer.is_superuser else None,
    )


def _new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def _valid_new_hostname(hostname: str) -> bool:
    return 0 < len(hostname) <= HOSTNAME_LENGTH and "/" not in hostname


async def add_worker(
    ctx: RequestContext, hostname: str, description: str | None, retired: bool
) -> Worker:
    """Create an offline worker, Active or else Retired, with a fresh token; its
    ``.worker`` event goes out as LAVA master's does on creation.

    Needs ``add_worker``; a taken or invalid hostname is refused with LAVA's text."""
    require_global(ctx, f"{APP_LABEL}.add_worker")
    refused = BadInput("Bad request: worker already exists?")
    if not _valid_new_hostname(hostname):
        raise refused
    health = WorkerHealth.RETIRED if retired else WorkerHealth.ACTIVE
    return await _insert_worker(ctx, hostname, description, health, 0, refused)


async def _insert_worker(
    ctx: RequestContext,
    hostname: str,
    description: str | None,
    health: WorkerHealth,
    job_limit: int,
    taken: BadInput,
) -> Worker:
    """Add an offline worker with a fresh token and send its ``.worker`` event; ``taken``
    is raised when the hostname is in use."""
    worker = Worker(
        hostname=hostname,
        description=description,
        state=int(WorkerState.OFFLINE),
        health=int(health),
        last_ping=utcnow(),
        job_limit=job_limit,
        token=_new_token(),
    )
    async with ctx.db() as session:
        if await session.get(Worker, hostname) is not None:
            raise taken
        session.add(worker)
        record_event(
            session, worker_event(worker, timestamp=utcnow(), topic_prefix=ctx.topic_prefix)
        )
        try:
            await ctx.commit(session)
        except IntegrityError as exc:  # created by someone else meanwhile
            await session.rollback()
            raise taken from exc
    return worker


def _health(name: object) -> WorkerHealth:
    if isinstance(name, str) and name in WorkerHealth.__members__:
        return WorkerHealth[name]
    raise BadInput(f"Invalid health: {name}")


def _job_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput("Invalid job limit")
    return value


async def update_worker(
    ctx: RequestContext,
    hostname: str,
    description: str | None = None,
    health: str | None = None,
    job_limit: object = None,
) -> Worker:
    """Change what is given of a worker's description, health (LAVA's input names
    ``ACTIVE``, ``MAINTENANCE``, ``RETIRED``; cascading to its devices) and job limit,
    all in one transaction. Needs ``change_worker``."""
    require_global(ctx, f"{APP_LABEL}.change_worker")
    worker = await _existing_worker(ctx, hostname)
    new_health = None if health is None else _health(health)
    limit = None if job_limit is None else _job_limit(job_limit)
    async with ctx.db() as session:
        if description is not None:
            worker.description = description
        if limit is not None:
            worker.job_limit = limit
    try:
        if new_health is not None:  # commits the other changes too when the health changes
            await set_worker_health(ctx, hostname, new_health)
    except LabError:
        async with ctx.db() as session:
            await session.rollback()
        raise
    async with ctx.db() as session:
        await ctx.commit(session)
    return worker


async def delete_worker(ctx: RequestContext, hostname: str) -> None:
    """Delete a worker. Its devices stay, detached; jobs that asked for it go with it
    (the database cascades); its stored files stay. Needs ``delete_worker``."""
    require_global(ctx, f"{APP_LABEL}.delete_worker")
    worker = await _existing_worker(ctx, hostname)
    async with ctx.db() as session:
        await session.delete(worker)
        await ctx.commit(session)


def check_file_name(hostname: str) -> None:
    """A worker's name names its files: it must be one path component."""
    if len(pathlib.PurePosixPath(hostname).parts) != 1:
        raise BadInput("Invalid worker name")


async def read_worker_file(ctx: RequestContext, kind: FileKind, hostname: str) -> str | None:
    """The stored configuration file of a worker the caller may see, or None."""
    check_file_name(hostname)
    await visible_worker(ctx, hostname)
    return await read_file(ctx, kind, hostname)


def _is_yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return True


async def write_worker_file(ctx: RequestContext, kind: FileKind, hostname: str, text: str) -> None:
    """Store a worker's configuration file (must be YAML); an empty text deletes it.
    Needs ``change_worker``."""
    require_global(ctx, f"{APP_LABEL}.change_worker")
    check_file_name(hostname)
    await _existing_worker(ctx, hostname)
    if not text:
        await delete_file(ctx, kind, hostname)
        return
    if not await asyncio.to_thread(_is_yaml, text):
        raise BadInput(f"Invalid YAML syntax in '{hostname}' {YAML_LABELS[kind]}: {text}")
    await write_file(ctx, kind, hostname, text)


# --- the REST door: windows of visible workers, DRF's model permissions -------------------


class InsufficientPermissions(PermissionDenied):
    """A caller without the global ``change_worker`` asking to set a worker's health (LAVA
    master's REST text: "Insufficient permissions. Please contact system administrator.")."""


WORKER_ORDERING = {
    **FIELD_SETS["worker"],
    "job_limit": Field(Worker.job_limit, Kind.NUMBER, frozenset()),
    "version": Field(Worker.version, Kind.TEXT, frozenset()),
}


def require_worker_writer(ctx: RequestContext) -> None:
    """DRF's model permission on the REST door's worker POSTs: the global ``add_worker``
    (Unauthenticated when anonymous, else PermissionDenied)."""
    require_global(ctx, f"{APP_LABEL}.add_worker")


async def counted_workers(
    ctx: RequestContext,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Worker]]:
    """How many visible workers meet ``conditions`` (field set ``worker``), and one window
    of them in ``ordering`` (any field but the token) then by hostname."""
    clauses = await where_clauses(ctx, FIELD_SETS, "worker", conditions)
    matching = select(Worker).where(await worker_visible(ctx))
    return await counted_window(
        ctx, matching, WORKER_ORDERING, clauses, ordering, [Worker.hostname], offset, limit
    )


async def listed_worker(ctx: RequestContext, hostname: str) -> Worker:
    """A visible worker; NotFound when it is absent or hidden (LAVA master's REST)."""
    worker = await get_worker(ctx, hostname)
    if worker is None:
        raise NotFound(f"Worker '{hostname}' was not found.")
    return worker


async def create_worker_record(
    ctx: RequestContext,
    hostname: str,
    description: str | None,
    health: WorkerHealth | None,
    job_limit: int | None,
) -> Worker:
    """``POST workers/`` (global ``add_worker``): an offline worker with a fresh token,
    Active unless ``health`` says otherwise; NameTaken when the hostname is in use."""
    require_worker_writer(ctx)
    return await _insert_worker(
        ctx,
        hostname,
        description,
        health if health is not None else WorkerHealth.ACTIVE,
        job_limit or 0,
        NameTaken(f"Worker '{hostname}' already exists."),
    )


async def change_worker_record(
    ctx: RequestContext,
    hostname: str,
    description: str | None,
    health: WorkerHealth | None,
    job_limit: int | None,
) -> Worker:
    """``PUT``/``PATCH workers/<hostname>/`` (global ``change_worker``): a visible worker's
    description, health (cascading to its devices) and job limit, as given."""
    require_global(ctx, f"{APP_LABEL}.change_worker")
    await listed_worker(ctx, hostname)
    health_name = None if health is None else health.name
    return await update_worker(ctx, hostname, description, health_name, job_limit)


async def delete_worker_record(ctx: RequestContext, hostname: str) -> None:
    """``DELETE workers/<hostname>/`` (global ``delete_worker``) of a visible worker."""
    require_global(ctx, f"{APP_LABEL}.delete_worker")
    await listed_worker(ctx, hostname)
    await delete_worker(ctx, hostname)


async def listed_worker_file(ctx: RequestContext, kind: FileKind, hostname: str) -> str | None:
    """A visible worker's stored file (NotFound for a hidden worker), None when unset."""
    await listed_worker(ctx, hostname)
    check_file_name(hostname)
    return await read_file(ctx, kind, hostname)


async def store_listed_worker_file(
    ctx: RequestContext, kind: FileKind, hostname: str, text: str
) -> None:
    """``POST workers/<hostname>/env/`` or ``config/``: DRF's model permission (global
    ``add_worker``), a visible worker, then :func:`write_worker_file` (``change_worker``)."""
    require_worker_writer(ctx)
    await listed_worker(ctx, hostname)
    await write_worker_file(ctx, kind, hostname, text)


async def set_listed_worker_health(
    ctx: RequestContext, hostname: str, health: WorkerHealth | None
) -> Worker:
    """``POST workers/<hostname>/set_health/`` (LAVA master): DRF's model permission
    (global ``add_worker``), InsufficientPermissions without the global ``change_worker``,
    NotFound for a hidden worker, ObjectChangeRefused without the change right on it,
    BadInput for no health; then the change, cascading to the worker's devices."""
    require_worker_writer(ctx)
    if not ctx.viewer.has_global("change_worker"):
        raise InsufficientPermissions(
            "Insufficient permissions. Please contact system administrator."
        )
    await listed_worker(ctx, hostname)
    if not await can_change_worker(ctx, hostname):
        raise ObjectChangeRefused(f"you may not change worker {hostname!r}")
    if health is None:
        raise BadInput("no such worker health")
    return await set_worker_health(ctx, hostname, health)
