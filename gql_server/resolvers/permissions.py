"""Who may see what: LAVA's visibility rules as SQL clauses, computed once per request.

Per-object group permissions restrict device types, devices and workers; a job is
visible to its submitter, to superusers, to members of all its viewing groups, or, when
public, to whoever may see its device (or requested device type).

The checks LAVA's legacy API makes before acting (authentication, a global permission,
the staff flag) raise the errors with LAVA's texts: :func:`require_login`,
:func:`require_global` and :func:`require_staff`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal, not_, or_, select, true, union_all

from gql_server.db.models import (
    Device,
    DeviceType,
    GroupDevicePermission,
    GroupDeviceTypePermission,
    GroupWorkerPermission,
    Permission,
    TestJob,
    TestJobViewingGroup,
    Worker,
)
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import PermissionDenied, Unauthenticated

DEVICE_TYPE_GRANTS = {"view_devicetype", "submit_to_devicetype", "change_devicetype"}
DEVICE_GRANTS = {"view_device", "submit_to_device", "change_device"}
WORKER_GRANTS = {"view_worker", "change_worker"}
LOGIN_REQUIRED = "Authentication with user and token required for this API."


def require_login(ctx: RequestContext) -> int:
    """LAVA's authentication check: Unauthenticated (``LOGIN_REQUIRED``) for an anonymous
    caller; returns the viewer's user id."""
    if ctx.viewer.user_id is None:
        raise Unauthenticated(LOGIN_REQUIRED)
    return ctx.viewer.user_id


def require_global(ctx: RequestContext, permission: str) -> None:
    """LAVA's check of a global permission ``app_label.codename`` (``auth.view_user``,
    ``lava_scheduler_app.add_tag``...).

    The caller passes when it holds the codename directly, through a group, or as a
    superuser (the command line's administrator, which has no user, too). Otherwise an
    anonymous caller gets Unauthenticated (``LOGIN_REQUIRED``) and any other caller
    PermissionDenied: ``User '<username>' is missing permission <app_label.codename>.``
    """
    viewer = ctx.viewer
    if viewer.has_global(permission.partition(".")[2]):
        return
    require_login(ctx)
    raise PermissionDenied(f"User '{viewer.username}' is missing permission {permission}.")


def require_staff(ctx: RequestContext) -> None:
    """LAVA's staff check: Unauthenticated (``LOGIN_REQUIRED``) for an anonymous caller,
    then PermissionDenied (``forbidden``) unless the caller has the staff flag (being a
    superuser is not enough, as in LAVA)."""
    require_login(ctx)
    if not ctx.viewer.is_staff:
        raise PermissionDenied("forbidden")


def require_superuser(ctx: RequestContext) -> None:
    """The superuser-only doors' check: Unauthenticated (``LOGIN_REQUIRED``) for an
    anonymous caller, then PermissionDenied unless the caller is a superuser."""
    require_login(ctx)
    if not ctx.viewer.is_superuser:
        raise PermissionDenied("only a superuser may do this")


@dataclasses.dataclass(frozen=True)
class HiddenInventory:
    """Names of the device types, devices and workers the viewer may not see."""

    device_types: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()
    workers: frozenset[str] = frozenset()


def _hidden(rows: list[Any], viewer: Viewer, restricting: str, grants: set[str]) -> set[str]:
    """Objects restricted for ``restricting`` on which none of the viewer's groups has a grant."""
    restricted = {name for name, _group, codename in rows if codename == restricting}
    granted = {
        name for name, group, codename in rows if codename in grants and group in viewer.group_ids
    }
    return restricted - granted if not viewer.has_global(restricting) else set()


def _grants_statement() -> Any:
    """Every per-object group grant, tagged with the kind of object it is on (one query)."""

    def grants_of(kind: str, model: Any, object_column: Any) -> Any:
        return select(
            literal(kind).label("kind"),
            object_column.label("name"),
            model.group_id,
            Permission.codename,
        ).join(Permission, Permission.id == model.permission_id)

    return union_all(
        grants_of("devicetype", GroupDeviceTypePermission, GroupDeviceTypePermission.devicetype_id),
        grants_of("device", GroupDevicePermission, GroupDevicePermission.device_id),
        grants_of("worker", GroupWorkerPermission, GroupWorkerPermission.worker_id),
    )


@dataclasses.dataclass(frozen=True)
class Grants:
    """Every per-object group grant, by kind of object, and the devices of restricted types."""

    rows: dict[str, list[tuple[str, int, str]]]
    devices_of_restricted_types: dict[str, list[str]]


async def _load_grants(ctx: RequestContext) -> Grants:
    rows: dict[str, list[Any]] = {"devicetype": [], "device": [], "worker": []}
    devices: dict[str, list[str]] = {}
    async with ctx.db() as session:
        for kind, name, group, codename in await session.execute(_grants_statement()):
            rows[kind].append((name, group, codename))
        restricted = {
            name for name, _g, codename in rows["devicetype"] if codename == "view_devicetype"
        }
        if restricted:
            statement = select(Device.hostname, Device.device_type_id).where(
                Device.device_type_id.in_(sorted(restricted))
            )
            for hostname, device_type in await session.execute(statement):
                devices.setdefault(device_type, []).append(hostname)
    return Grants(rows=rows, devices_of_restricted_types=devices)


def hidden_for(viewer: Viewer, grants: Grants) -> HiddenInventory:
    """What ``viewer`` may not see, given the lab's per-object grants."""
    if viewer.is_superuser:
        return HiddenInventory()
    rows = grants.rows
    hidden_types = _hidden(rows["devicetype"], viewer, "view_devicetype", DEVICE_TYPE_GRANTS)
    hidden_devices = _hidden(rows["device"], viewer, "view_device", DEVICE_GRANTS)
    if hidden_types and not viewer.has_global("view_device"):
        granted = {
            name
            for name, group, codename in rows["device"]
            if codename in DEVICE_GRANTS and group in viewer.group_ids
        }
        for device_type in hidden_types:
            hidden_devices |= set(grants.devices_of_restricted_types.get(device_type, ())) - granted
    return HiddenInventory(
        device_types=frozenset(hidden_types),
        devices=frozenset(hidden_devices),
        workers=frozenset(_hidden(rows["worker"], viewer, "view_worker", WORKER_GRANTS)),
    )


async def _compute_hidden(ctx: RequestContext) -> HiddenInventory:
    if ctx.viewer.is_superuser:
        return HiddenInventory()
    grants = await ctx.changes.derived("grants", lambda: _load_grants(ctx))
    return hidden_for(ctx.viewer, grants)


async def hidden_inventory(ctx: RequestContext) -> HiddenInventory:
    """What the viewer may not see, computed once per request from the lab's grants.

    The grants themselves are shared by all requests until the lab changes (see
    :class:`~gql_server.resolvers.changes.ChangeCounter`).
    """
    return await ctx.once("hidden-inventory", lambda: _compute_hidden(ctx))


def _not_in(column: Any, names: frozenset[str]) -> ColumnElement[bool]:
    return column.not_in(sorted(names)) if names else true()


async def device_type_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """A clause on ``DeviceType.name``-like columns: the type is visible."""
    return _not_in(DeviceType.name, (await hidden_inventory(ctx)).device_types)


async def device_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """A clause on ``Device``: the device is visible (retired devices stay visible)."""
    return _not_in(Device.hostname, (await hidden_inventory(ctx)).devices)


async def worker_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """A clause on ``Worker``: the worker is visible."""
    return _not_in(Worker.hostname, (await hidden_inventory(ctx)).workers)


async def job_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """A clause on ``TestJob``: LAVA's job visibility for the viewer."""
    viewer = ctx.viewer
    if viewer.is_superuser:
        return true()
    hidden = await hidden_inventory(ctx)
    has_groups = exists().where(TestJobViewingGroup.testjob_id == TestJob.id)
    inventory_visible = or_(
        and_(
            TestJob.actual_device_id.is_(None),
            or_(
                TestJob.requested_device_type_id.is_(None),
                _not_in(TestJob.requested_device_type_id, hidden.device_types),
            ),
        ),
        _not_in(TestJob.actual_device_id, hidden.devices),
    )
    # Cheap column tests come before the subqueries, and the public case (most jobs)
    # before the group case: the database stops at the first condition that decides.
    public = [TestJob.is_public]
    if hidden.devices or hidden.device_types:
        public.append(inventory_visible)
    public.append(not_(has_groups))
    if not viewer.is_authenticated:
        return and_(*public)
    outside_my_groups = exists().where(
        TestJobViewingGroup.testjob_id == TestJob.id,
        TestJobViewingGroup.group_id.not_in(sorted(viewer.group_ids) or [-1]),
    )
    in_all_groups = and_(has_groups, not_(outside_my_groups))
    return or_(TestJob.submitter_id == viewer.user_id, and_(*public), in_all_groups)


async def visible_job_ids(ctx: RequestContext, job_ids: Iterable[int]) -> set[int]:
    """Which of ``job_ids`` the viewer may see (ids of absent jobs only for superusers)."""
    wanted = sorted(set(job_ids))
    if ctx.viewer.is_superuser or not wanted:
        return set(wanted)
    statement = select(TestJob.id).where(TestJob.id.in_(wanted), await job_visible(ctx))
    async with ctx.db() as session:
        return set(await session.scalars(statement))


def _group_grant(
    rows: list[tuple[str, int, str]], viewer: Viewer, name: str, codename: str
) -> bool:
    return any(
        row_name == name and code == codename and group in viewer.group_ids
        for row_name, group, code in rows
    )


def _restricted(rows: list[tuple[str, int, str]], name: str, codename: str) -> bool:
    return any(row_name == name and code == codename for row_name, _group, code in rows)


async def can_change_device(ctx: RequestContext, hostname: str, device_type: str) -> bool:
    """LAVA's device change right: on the device, or else on its type when not restricted."""
    viewer = ctx.viewer
    if viewer.has_global("change_device"):
        return True
    if not viewer.is_authenticated:
        return False
    grants = await ctx.changes.derived("grants", lambda: _load_grants(ctx))
    rows = grants.rows
    if _group_grant(rows["device"], viewer, hostname, "change_device"):
        return True
    if _restricted(rows["device"], hostname, "change_device"):
        return False
    return viewer.has_global("change_devicetype") or _group_grant(
        rows["devicetype"], viewer, device_type, "change_devicetype"
    )


async def can_change_device_type(ctx: RequestContext, name: str) -> bool:
    """LAVA's device-type change right: global, or held by a group on this type."""
    viewer = ctx.viewer
    if viewer.has_global("change_devicetype"):
        return True
    if not viewer.group_ids:
        return False
    statement = (
        select(GroupDeviceTypePermission.id)
        .join(Permission, Permission.id == GroupDeviceTypePermission.permission_id)
        .where(
            GroupDeviceTypePermission.devicetype_id == name,
            GroupDeviceTypePermission.group_id.in_(sorted(viewer.group_ids)),
            Permission.codename == "change_devicetype",
        )
    )
    async with ctx.db() as session:
        return (await session.scalars(statement)).first() is not None


async def can_change_worker(ctx: RequestContext, hostname: str) -> bool:
    """LAVA's worker change right: global, or a group permission on the worker."""
    viewer = ctx.viewer
    if viewer.has_global("change_worker"):
        return True
    if not viewer.is_authenticated:
        return False
    grants = await ctx.changes.derived("grants", lambda: _load_grants(ctx))
    return _group_grant(grants.rows["worker"], viewer, hostname, "change_worker")


async def group_holds(ctx: RequestContext, kind: str, name: str, codename: str) -> bool:
    """Whether one of the viewer's groups holds ``codename`` on the named object (``kind``
    is devicetype, device or worker); global permissions are not consulted."""
    grants = await ctx.changes.derived("grants", lambda: _load_grants(ctx))
    return _group_grant(grants.rows[kind], ctx.viewer, name, codename)
