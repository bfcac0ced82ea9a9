"""Devices: lookups, filtered keyset lists, and the batches data loaders call."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import Device, DeviceTag, Tag, TestJob
from gql_server.db.types import utcnow
from gql_server.events.wire import device_event
from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState
from gql_server.lab.states import JobStatus, cancel
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import NotFound, PermissionDenied
from gql_server.resolvers.events import record_event, record_job_change
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import can_change_device, device_visible


@dataclasses.dataclass(frozen=True)
class DeviceFilter:
    """What users filter devices by. Every given condition must hold."""

    hostnames: Sequence[str] | None = None
    states: Sequence[DeviceState] | None = None
    healths: Sequence[DeviceHealth] | None = None
    device_types: Sequence[str] | None = None
    workers: Sequence[str] | None = None
    tags: Sequence[str] | None = None


def filter_clauses(spec: DeviceFilter) -> list:
    """SQL conditions for a :class:`DeviceFilter`."""
    clauses = []
    if spec.hostnames is not None:
        clauses.append(Device.hostname.in_(list(spec.hostnames)))
    if spec.states is not None:
        clauses.append(Device.state.in_([int(s) for s in spec.states]))
    if spec.healths is not None:
        clauses.append(Device.health.in_([int(h) for h in spec.healths]))
    if spec.device_types is not None:
        clauses.append(Device.device_type_id.in_(list(spec.device_types)))
    if spec.workers is not None:
        clauses.append(Device.worker_host_id.in_(list(spec.workers)))
    for tag in spec.tags or ():
        clauses.append(
            exists().where(
                DeviceTag.device_id == Device.hostname,
                DeviceTag.tag_id == Tag.id,
                Tag.name == tag,
            )
        )
    return clauses


async def visible_devices(ctx: RequestContext) -> Select:
    """A select of the devices the viewer may see."""
    return select(Device).where(await device_visible(ctx))


async def get_device(ctx: RequestContext, hostname: str) -> Device | None:
    """The device with this hostname, or None when absent or not visible."""
    statement = (await visible_devices(ctx)).where(Device.hostname == hostname)
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_devices(
    ctx: RequestContext, spec: DeviceFilter | None = None, page: PageArgs = FIRST_PAGE
) -> Page[Device]:
    """One page of visible devices by hostname."""
    statement = (await visible_devices(ctx)).where(*filter_clauses(spec or DeviceFilter()))
    return await paginate(ctx, statement, SortKey(Device.hostname, Device.hostname), page)


async def devices_by_hostname(ctx: RequestContext, hostnames: Sequence[str]) -> dict[str, Device]:
    """Visible devices by hostname (a data-loader batch)."""
    statement = (await visible_devices(ctx)).where(Device.hostname.in_(list(hostnames)))
    async with ctx.db() as session:
        return {device.hostname: device for device in await session.scalars(statement)}


async def _grouped(ctx: RequestContext, column, keys: Sequence[str]) -> dict[str, list[Device]]:
    statement = (await visible_devices(ctx)).where(column.in_(list(keys))).order_by(Device.hostname)
    grouped: dict[str, list[Device]] = defaultdict(list)
    async with ctx.db() as session:
        for device in await session.scalars(statement):
            grouped[getattr(device, column.key)].append(device)
    return grouped


async def devices_by_type(ctx: RequestContext, names: Sequence[str]) -> dict[str, list[Device]]:
    """Visible devices of each device type (a data-loader batch)."""
    return await _grouped(ctx, Device.device_type_id, names)


async def devices_by_worker(
    ctx: RequestContext, hostnames: Sequence[str]
) -> dict[str, list[Device]]:
    """Visible devices attached to each worker (a data-loader batch)."""
    return await _grouped(ctx, Device.worker_host_id, hostnames)


async def tags_by_device(ctx: RequestContext, hostnames: Sequence[str]) -> dict[str, list[Tag]]:
    """The tags each device carries (a data-loader batch)."""
    statement = (
        select(DeviceTag.device_id, Tag)
        .join(Tag, Tag.id == DeviceTag.tag_id)
        .where(DeviceTag.device_id.in_(list(hostnames)))
        .order_by(Tag.name)
    )
    grouped: dict[str, list[Tag]] = defaultdict(list)
    async with ctx.db() as session:
        for hostname, tag in await session.execute(statement):
            grouped[hostname].append(tag)
    return grouped


async def current_job_reference(session: AsyncSession, hostname: str) -> int | str | None:
    """The display id of the device's unfinished job (LAVA's ``job`` key), or None."""
    row = (
        await session.execute(
            select(TestJob.id, TestJob.sub_id).where(
                TestJob.actual_device_id == hostname, TestJob.state != int(JobState.FINISHED)
            )
        )
    ).first()
    if row is None:
        return None
    return row.sub_id or row.id


def record_device_change(ctx: RequestContext, session: AsyncSession, device: Device, job) -> None:
    """Put the device's event in the outbox of the session's transaction."""
    record_event(
        session,
        device_event(device, current_job_id=job, timestamp=utcnow(), topic_prefix=ctx.topic_prefix),
    )


async def set_device_health(ctx: RequestContext, hostname: str, health: DeviceHealth) -> Device:
    """Change a device's health (maintenance, back online, retire...) and emit its event."""
    device = await get_device(ctx, hostname)
    if device is None:
        raise NotFound(f"no device named {hostname!r}")
    if not await can_change_device(ctx, device.hostname, device.device_type_id):
        raise PermissionDenied(f"you may not change device {hostname!r}")
    async with ctx.db() as session:
        if device.health == int(health):
            return device
        device.health = int(health)
        if health is DeviceHealth.RETIRED:
            await _cancel_current_job(ctx, session, hostname)
        record_device_change(ctx, session, device, await current_job_reference(session, hostname))
        await ctx.commit(session)
    return device


async def _cancel_current_job(ctx: RequestContext, session: AsyncSession, hostname: str) -> None:
    """Retiring a device cancels the job on it (what LAVA 2023.01 means to do and fails at)."""
    job = (
        await session.scalars(
            select(TestJob).where(
                TestJob.actual_device_id == hostname, TestJob.state != int(JobState.FINISHED)
            )
        )
    ).first()
    if job is None:
        return
    status = JobStatus(JobState(job.state), JobHealth(job.health), job.start_time, job.end_time)
    after = cancel(status, utcnow())
    if after is not None:
        job.state, job.health = int(after.state), int(after.health)
        job.start_time, job.end_time = after.start_time, after.end_time
        await record_job_change(ctx, session, job)
