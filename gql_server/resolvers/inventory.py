"""Device types, aliases, workers and tags: the lab's smaller inventory tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from gql_server.db.models import Alias, DeviceType, Tag, Worker
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import device_type_visible, worker_visible


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
