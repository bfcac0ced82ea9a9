"""Device types, aliases, workers and tags: the lab's smaller inventory tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from gql_server.db.models import Alias, Device, DeviceType, Tag, Worker
from gql_server.db.types import utcnow
from gql_server.events.wire import worker_event
from gql_server.lab.enums import DeviceHealth, WorkerHealth
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import current_job_reference, record_device_change
from gql_server.resolvers.errors import NotFound, PermissionDenied
from gql_server.resolvers.events import record_event
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import can_change_worker, device_type_visible, worker_visible


async def get_device_type(ctx: RequestContext, name: str) -> DeviceType | None:
    """The device type with this name, or None when absent or not visible."""
    statement = select(DeviceType).where(DeviceType.name == name, await device_type_visible(ctx))
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_device_types(ctx: RequestContext, page: PageArgs = FIRST_PAGE) -> Page[DeviceType]:
    """One page of visible device types by name."""
    statement = select(DeviceType).where(await device_type_visible(ctx))
    return await paginate(ctx, statement, SortKey(DeviceType.name, DeviceType.name), page)


async def device_types_by_name(ctx: RequestContext, names: Sequence[str]) -> dict[str, DeviceType]:
    """Visible device types by name (a data-loader batch)."""
    statement = select(DeviceType).where(
        DeviceType.name.in_(list(names)), await device_type_visible(ctx)
    )
    async with ctx.db() as session:
        return {device_type.name: device_type for device_type in await session.scalars(statement)}


async def aliases_by_type(ctx: RequestContext, names: Sequence[str]) -> dict[str, list[Alias]]:
    """The aliases of each device type (a data-loader batch)."""
    statement = select(Alias).where(Alias.device_type_id.in_(list(names))).order_by(Alias.name)
    grouped: dict[str, list[Alias]] = defaultdict(list)
    async with ctx.db() as session:
        for alias in await session.scalars(statement):
            grouped[alias.device_type_id].append(alias)
    return grouped


async def get_alias(ctx: RequestContext, name: str) -> Alias | None:
    """The alias with this name, or None when absent or its device type is not visible."""
    statement = (
        select(Alias)
        .join(DeviceType, DeviceType.name == Alias.device_type_id)
        .where(Alias.name == name, await device_type_visible(ctx))
    )
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_aliases(ctx: RequestContext, page: PageArgs = FIRST_PAGE) -> Page[Alias]:
    """One page of aliases of visible device types, by name."""
    statement = (
        select(Alias)
        .join(DeviceType, DeviceType.name == Alias.device_type_id)
        .where(await device_type_visible(ctx))
    )
    return await paginate(ctx, statement, SortKey(Alias.name, Alias.name), page)


async def get_worker(ctx: RequestContext, hostname: str) -> Worker | None:
    """The worker with this hostname, or None when absent or not visible."""
    statement = select(Worker).where(Worker.hostname == hostname, await worker_visible(ctx))
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_workers(ctx: RequestContext, page: PageArgs = FIRST_PAGE) -> Page[Worker]:
    """One page of visible workers by hostname."""
    statement = select(Worker).where(await worker_visible(ctx))
    return await paginate(ctx, statement, SortKey(Worker.hostname, Worker.hostname), page)


async def workers_by_hostname(ctx: RequestContext, hostnames: Sequence[str]) -> dict[str, Worker]:
    """Visible workers by hostname (a data-loader batch)."""
    statement = select(Worker).where(
        Worker.hostname.in_(list(hostnames)), await worker_visible(ctx)
    )
    async with ctx.db() as session:
        return {worker.hostname: worker for worker in await session.scalars(statement)}


async def get_tag(ctx: RequestContext, name: str) -> Tag | None:
    """The tag with this name, or None."""
    async with ctx.db() as session:
        return (await session.scalars(select(Tag).where(Tag.name == name))).first()


async def list_tags(ctx: RequestContext, page: PageArgs = FIRST_PAGE) -> Page[Tag]:
    """One page of tags by name."""
    return await paginate(ctx, select(Tag), SortKey(Tag.name, Tag.name), page)


def _cascade(worker_health: int, previous: int, device_health: int) -> int | None:
    """The health a worker's health change gives one of its devices (None: unchanged)."""
    moving_to_active = worker_health == WorkerHealth.ACTIVE and previous in (
        WorkerHealth.ACTIVE,
        WorkerHealth.MAINTENANCE,
    )
    if moving_to_active and device_health == DeviceHealth.GOOD:
        return int(DeviceHealth.UNKNOWN)
    retiring = worker_health == WorkerHealth.RETIRED
    if retiring and device_health not in (DeviceHealth.BAD, DeviceHealth.RETIRED):
        return int(DeviceHealth.RETIRED)
    return None


async def set_worker_health(ctx: RequestContext, hostname: str, health: WorkerHealth) -> Worker:
    """Change a worker's health, cascading to its devices as LAVA does, with their events."""
    worker = await get_worker(ctx, hostname)
    if worker is None:
        raise NotFound(f"no worker named {hostname!r}")
    if not await can_change_worker(ctx, hostname):
        raise PermissionDenied(f"you may not change worker {hostname!r}")
    async with ctx.db() as session:
        if worker.health == int(health):
            return worker
        attached = await session.scalars(
            select(Device).where(Device.worker_host_id == hostname).order_by(Device.hostname)
        )
        for device in attached:
            new_health = _cascade(int(health), worker.health, device.health)
            if new_health is not None:
                device.health = new_health
                job = await current_job_reference(session, device.hostname)
                record_device_change(ctx, session, device, job)
        worker.health = int(health)
        record_event(
            session,
            worker_event(worker, timestamp=utcnow(), topic_prefix=ctx.topic_prefix),
        )
        await ctx.commit(session)
    return worker
