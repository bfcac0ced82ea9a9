"""What a user may see or submit to, asked about a list of objects: for oneself, or, by a
superuser, on behalf of another user (LAVA's ``system.user_can_*``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import select

from gql_server.db.models import Device, DeviceType, TestJob, User
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import NotFound, Unauthenticated
from gql_server.resolvers.permissions import (
    group_holds,
    hidden_inventory,
    require_login,
    visible_job_ids,
)
from gql_server.resolvers.users import load_viewer


@contextlib.asynccontextmanager
async def on_behalf_of(ctx: RequestContext, username: str | None) -> AsyncIterator[RequestContext]:
    """The context to answer in: the caller's own, or (superusers only) another user's."""
    require_login(ctx)
    if username is None or username == ctx.viewer.username:
        yield ctx
        return
    if not ctx.viewer.is_superuser:
        raise Unauthenticated(
            f"Permission denied for user '{ctx.viewer.username}' to query other users"
        )
    async with ctx.db() as session:
        user = (await session.scalars(select(User).where(User.username == username))).first()
    if user is None:
        raise NotFound(f"Username {username} not found")
    other = RequestContext(ctx.sessions, await load_viewer(ctx, user), ctx.changes)
    try:
        yield other
    finally:
        await other.close()


async def jobs_viewable(ctx: RequestContext, job_ids: Sequence[int]) -> dict[int, bool]:
    """For each existing job of ``job_ids``: whether the context's viewer may see it."""
    async with ctx.db() as session:
        existing = set(
            await session.scalars(select(TestJob.id).where(TestJob.id.in_(sorted(set(job_ids)))))
        )
    visible = await visible_job_ids(ctx, existing)
    return {job_id: job_id in visible for job_id in sorted(existing)}


async def devices_viewable(
    ctx: RequestContext, hostnames: Sequence[str]
) -> dict[str, list[tuple[str, bool]]]:
    """Existing devices of ``hostnames`` (retired and hidden ones included), by device type:
    (hostname, whether the context's viewer may see it)."""
    statement = select(Device.hostname, Device.device_type_id).where(
        Device.hostname.in_(sorted(set(hostnames)))
    )
    async with ctx.db() as session:
        rows = list(await session.execute(statement.order_by(Device.hostname)))
    hidden = (await hidden_inventory(ctx)).devices
    answer: dict[str, list[tuple[str, bool]]] = {}
    for hostname, device_type in rows:
        answer.setdefault(device_type, []).append((hostname, hostname not in hidden))
    return answer


async def types_submittable(ctx: RequestContext, names: Sequence[str]) -> dict[str, bool]:
    """For each existing device type of ``names``: whether the viewer holds the right to
    submit to it explicitly (globally, or through a group on the type), as LAVA asks."""
    statement = select(DeviceType.name).where(DeviceType.name.in_(sorted(set(names))))
    async with ctx.db() as session:
        existing = list(await session.scalars(statement))
    if ctx.viewer.has_global("submit_to_devicetype"):
        return {name: True for name in existing}
    return {
        name: await group_holds(ctx, "devicetype", name, "submit_to_devicetype")
        for name in existing
    }
