"""Device types, aliases, workers and tags: the lab's smaller inventory tables."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import (
    Alias,
    Architecture,
    BitWidth,
    ContentType,
    Core,
    Device,
    DeviceTag,
    DeviceType,
    DeviceTypeCore,
    Group,
    GroupDeviceTypePermission,
    Permission,
    ProcessorFamily,
    StoredFile,
    Tag,
    TestJobTag,
    Worker,
)
from gql_server.db.types import utcnow
from gql_server.events.wire import worker_event
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    HealthDenominator,
    WorkerHealth,
    WorkerState,
)
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import (
    Grant,
    GrantTable,
    MissingReferences,
    NameTaken,
    current_job_reference,
    devices_by_type,
    find_group_id,
    legacy_object_and_group,
    missing_references,
    record_device_change,
)
from gql_server.resolvers.errors import BadInput, NotFound, PermissionDenied, UnknownPermission
from gql_server.resolvers.events import record_event
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import Condition, Field, Kind, counted_window, where_clauses
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import (
    can_change_device_type,
    can_change_worker,
    device_type_visible,
    device_visible,
    hidden_inventory,
    require_global,
    require_login,
    require_staff,
    require_superuser,
    worker_visible,
)
from gql_server.resolvers.rows import existing
from gql_server.resolvers.stored_files import FileKind, delete_file, read_file, write_file


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


# --- managing device types, aliases and tags (LAVA's rights and texts) --------------------

APP_LABEL = "lava_scheduler_app"
DEVICE_TYPE_NAME_LENGTH = 50
ALIAS_NAME_LENGTH = 200
TAG_NAME_LENGTH = 100
NAME_IN_USE = "Bad request: device-type name is already used."
TAG_IN_USE = "Bad request: tag already exists?"
TEMPLATE_PREFIX_SKIPPED = "base"  # base templates are for inheriting, not device types


class AliasOfAnotherType(BadInput):
    """An alias detached from a device type it does not belong to."""

    def __init__(self, alias: str, device_type: str) -> None:
        super().__init__(f"<Alias: {alias}> is not related to <DeviceType: {device_type}>.")


@dataclasses.dataclass(frozen=True)
class DeviceTypeSettings:
    """What adding or updating a device type sets; None leaves a value as it is."""

    description: str | None = None
    display: bool | None = None
    health_frequency: int | None = None
    health_denominator: str | None = None  # "hours" or "jobs"
    health_disabled: bool | None = None


@dataclasses.dataclass(frozen=True)
class DeviceTypeEntry:
    """A line of the device-type list: a visible type, or a template with no type."""

    name: str
    devices: int
    installed: bool
    template: bool


@dataclasses.dataclass(frozen=True)
class DeviceTypeDetail:
    """A visible device type with its aliases, visible devices, template and grants."""

    device_type: DeviceType
    aliases: list[str]
    devices: list[str]
    has_template: bool
    grants: list[Grant]


def _type_not_found(name: str) -> NotFound:
    return NotFound(f"Device-type '{name}' was not found.")


async def _commit_or_refuse(ctx: RequestContext, session: AsyncSession, message: str) -> None:
    """Commit; a uniqueness conflict (a concurrent writer) becomes BadInput(message)."""
    try:
        await ctx.commit(session)
    except IntegrityError as exc:
        await session.rollback()
        raise BadInput(message) from exc


async def visible_device_type(ctx: RequestContext, name: str) -> DeviceType:
    """The device type, or NotFound when it is absent or hidden from the viewer."""
    device_type = await get_device_type(ctx, name)
    if device_type is None:
        raise _type_not_found(name)
    return device_type


async def changeable_device_type(ctx: RequestContext, name: str, right: str) -> DeviceType:
    """The device type if the viewer may change it: NotFound when it does not exist,
    else PermissionDenied naming ``right`` as LAVA's text does ("admin" or "change")."""
    async with ctx.db() as session:
        device_type = await session.get(DeviceType, name)
    if device_type is None:
        raise _type_not_found(name)
    if not await can_change_device_type(ctx, name):
        raise PermissionDenied(f"No '{right}' permissions for device-type '{name}'.")
    return device_type


def _denominator(value: str | None) -> int:
    for member in HealthDenominator:
        if member.display == value:
            return int(member)
    raise BadInput("Bad request: invalid health_denominator.")


async def _name_taken(session: AsyncSession, name: str) -> bool:
    """Whether a device type or an alias already has this name."""
    for column in (DeviceType.name, Alias.name):
        if (await session.scalars(select(column).where(column == name))).first() is not None:
            return True
    return False


def _apply(device_type: DeviceType, settings: DeviceTypeSettings) -> None:
    """Set the given (not None) settings on a device type, or none of them when the
    health denominator is invalid."""
    denominator = settings.health_denominator
    if denominator is not None:
        device_type.health_denominator = _denominator(denominator)
    if settings.description is not None:
        device_type.description = settings.description
    if settings.display is not None:
        device_type.display = settings.display
    if settings.health_frequency is not None:
        device_type.health_frequency = settings.health_frequency
    if settings.health_disabled is not None:
        device_type.disable_health_check = settings.health_disabled


async def add_device_type(
    ctx: RequestContext, name: str, settings: DeviceTypeSettings
) -> DeviceType:
    """Create a device type (global ``change_devicetype``; its health denominator must
    be given). The name has 1 to 50 characters, no ``/``, and is not already a device
    type's or an alias's."""
    require_global(ctx, f"{APP_LABEL}.change_devicetype")
    _denominator(settings.health_denominator)  # LAVA checks it first, and it is required
    if not name or len(name) > DEVICE_TYPE_NAME_LENGTH or "/" in name:
        raise BadInput(NAME_IN_USE)
    async with ctx.db() as session:
        if await _name_taken(session, name):
            raise BadInput(NAME_IN_USE)
        device_type = DeviceType(name=name)
        _apply(device_type, settings)
        session.add(device_type)
        await _commit_or_refuse(ctx, session, NAME_IN_USE)
    return device_type


async def update_device_type(
    ctx: RequestContext, name: str, settings: DeviceTypeSettings
) -> DeviceType:
    """Change the given settings of a device type the viewer may change."""
    device_type = await changeable_device_type(ctx, name, "admin")
    async with ctx.db() as session:
        _apply(device_type, settings)
        await ctx.commit(session)
    return device_type


def _check_file_name(name: str) -> None:
    """A device type's file name is one path component not starting with a dot."""
    if not name or "/" in name or name.startswith("."):
        raise BadInput(f"Invalid device-type '{name}'")


async def read_device_type_file(ctx: RequestContext, kind: FileKind, name: str) -> str:
    """A device type's template or health check, readable by anyone unless a device type
    of that name is hidden from the viewer. NotFound also when nothing is stored."""
    if name in (await hidden_inventory(ctx)).device_types:
        raise _type_not_found(name)
    _check_file_name(name)
    content = await read_file(ctx, kind, name)
    if content is None:
        raise _type_not_found(name)
    return content


async def write_device_type_file(
    ctx: RequestContext, kind: FileKind, name: str, content: str
) -> None:
    """Store (or, for an empty text, forget) the template or health check of an existing
    device type the viewer may change."""
    await changeable_device_type(ctx, name, "change")
    _check_file_name(name)
    if content:
        await write_file(ctx, kind, name, content)
    else:
        await delete_file(ctx, kind, name)


async def _template_names(ctx: RequestContext) -> set[str]:
    statement = select(StoredFile.name).where(
        StoredFile.kind == FileKind.DEVICE_TYPE_TEMPLATE.value
    )
    async with ctx.db() as session:
        return set(await session.scalars(statement))


async def device_type_entries(ctx: RequestContext, with_templates: bool) -> list[DeviceTypeEntry]:
    """Visible device types by name, each with its number of devices (all of them, as LAVA
    counts) and whether a template is stored; ``with_templates`` appends, by name, the
    stored templates that no device type has (not those of hidden types)."""
    count = (
        select(func.count(Device.hostname))
        .where(Device.device_type_id == DeviceType.name)
        .scalar_subquery()
    )
    statement = (
        select(DeviceType.name, count)
        .where(await device_type_visible(ctx))
        .order_by(DeviceType.name)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
        every_type = set(await session.scalars(select(DeviceType.name)))
    templates = await _template_names(ctx)
    entries = [DeviceTypeEntry(name, devices, True, name in templates) for name, devices in rows]
    if with_templates:
        entries += [
            DeviceTypeEntry(name, 0, False, True)
            for name in sorted(templates - every_type)
            if not name.startswith(TEMPLATE_PREFIX_SKIPPED)
        ]
    return entries


async def _grants_on_type(session: AsyncSession, name: str) -> list[Grant]:
    statement = (
        select(Permission.codename, Group.name)
        .select_from(GroupDeviceTypePermission)
        .join(Permission, Permission.id == GroupDeviceTypePermission.permission_id)
        .join(Group, Group.id == GroupDeviceTypePermission.group_id)
        .where(GroupDeviceTypePermission.devicetype_id == name)
        .order_by(GroupDeviceTypePermission.id)
    )
    return [Grant(codename, group) for codename, group in await session.execute(statement)]


async def device_type_detail(ctx: RequestContext, name: str) -> DeviceTypeDetail:
    """A visible device type (else NotFound) with its aliases, its devices the viewer may
    see, whether a template is stored for it, and its per-object group grants."""
    device_type = await visible_device_type(ctx, name)
    aliases = (await aliases_by_type(ctx, [name])).get(name, [])
    devices = (await devices_by_type(ctx, [name])).get(name, [])
    has_template = await read_file(ctx, FileKind.DEVICE_TYPE_TEMPLATE, name) is not None
    async with ctx.db() as session:
        grants = await _grants_on_type(session, name)
    return DeviceTypeDetail(
        device_type=device_type,
        aliases=[alias.name for alias in aliases],
        devices=[device.hostname for device in devices],
        has_template=has_template,
        grants=grants,
    )


async def devices_of_type(
    ctx: RequestContext, device_type: DeviceType, health: DeviceHealth | None = None
) -> list[Device]:
    """The devices of a (visible) device type that the viewer may see, by hostname,
    retired ones included; only those in ``health`` when given."""
    devices = (await devices_by_type(ctx, [device_type.name])).get(device_type.name, [])
    return [device for device in devices if health is None or device.health == int(health)]


@dataclasses.dataclass(frozen=True)
class DeviceTypeCounts:
    """How many of a device type's devices are busy, idle and offline."""

    name: str
    busy: int
    idle: int
    offline: int


def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


async def device_type_counts(ctx: RequestContext) -> list[DeviceTypeCounts]:
    """For each visible device type with devices not retired, by name: how many of them
    are busy (reserved or running), idle (idle, Good or Unknown, on an online worker)
    and offline (idle, not in maintenance, and on an offline worker or neither Good nor
    Unknown). As LAVA counts them: every device of the type, visible or not."""
    usable = Device.health.in_([int(DeviceHealth.GOOD), int(DeviceHealth.UNKNOWN)])
    idle = Device.state == int(DeviceState.IDLE)
    statement = (
        select(
            Device.device_type_id,
            _counted(Device.state.in_([int(DeviceState.RESERVED), int(DeviceState.RUNNING)])),
            _counted(and_(idle, usable, Worker.state == int(WorkerState.ONLINE))),
            _counted(
                and_(
                    idle,
                    Device.health != int(DeviceHealth.MAINTENANCE),
                    or_(Worker.state == int(WorkerState.OFFLINE), not_(usable)),
                )
            ),
        )
        .outerjoin(Worker, Worker.hostname == Device.worker_host_id)
        .where(Device.health != int(DeviceHealth.RETIRED))
        .group_by(Device.device_type_id)
        .order_by(Device.device_type_id)
    )
    hidden = (await hidden_inventory(ctx)).device_types
    if hidden:
        statement = statement.where(Device.device_type_id.not_in(sorted(hidden)))
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
    return [DeviceTypeCounts(name, busy, idle, offline) for name, busy, idle, offline in rows]


async def device_types_by_alias_part(ctx: RequestContext, part: str) -> list[str]:
    """The names of the visible device types having an alias whose name contains ``part``
    (case-sensitively), sorted."""
    statement = (
        select(DeviceType.name, Alias.name)
        .join(Alias, Alias.device_type_id == DeviceType.name)
        .where(Alias.name.contains(part, autoescape=True), await device_type_visible(ctx))
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
    return sorted({name for name, alias in rows if part in alias})


async def _type_and_group(session: AsyncSession, name: str, group_name: str) -> int:
    """The checks of the staff grant and revoke: the device type and the group exist
    (NotFound each). Returns the group's id."""
    if await session.get(DeviceType, name) is None:
        raise _type_not_found(name)
    return await find_group_id(session, group_name)


async def _device_type_permission(session: AsyncSession, permission: str) -> Permission | None:
    """The device-type permission with this codename (an ``app_label.`` prefix is ignored)."""
    statement = (
        select(Permission)
        .join(ContentType, ContentType.id == Permission.content_type_id)
        .where(
            ContentType.app_label == APP_LABEL,
            ContentType.model == "devicetype",
            Permission.codename == permission.split(".", 1)[-1],
        )
    )
    return (await session.scalars(statement)).first()


async def device_type_grants(ctx: RequestContext, name: str) -> list[Grant]:
    """The per-object group grants on a device type, oldest first (staff only)."""
    require_staff(ctx)
    async with ctx.db() as session:
        if await session.get(DeviceType, name) is None:
            raise _type_not_found(name)
        return await _grants_on_type(session, name)


async def _grant(
    ctx: RequestContext, session: AsyncSession, name: str, group_id: int, permission: str
) -> None:
    """Give the group the device-type permission (a no-op when held) and commit.
    UnknownPermission for a codename that is not a device-type permission."""
    found = await _device_type_permission(session, permission)
    if found is None:
        raise UnknownPermission()
    held = select(GroupDeviceTypePermission.id).where(
        GroupDeviceTypePermission.devicetype_id == name,
        GroupDeviceTypePermission.group_id == group_id,
        GroupDeviceTypePermission.permission_id == found.id,
    )
    if (await session.scalars(held)).first() is not None:
        return
    session.add(
        GroupDeviceTypePermission(permission_id=found.id, group_id=group_id, devicetype_id=name)
    )
    try:
        await ctx.commit(session)
    except IntegrityError:  # granted at the same time by another caller
        await session.rollback()


async def _revoke(
    ctx: RequestContext, session: AsyncSession, name: str, group_id: int, permission: str
) -> None:
    """Take the device-type permission from the group, if it holds it, and commit."""
    found = await _device_type_permission(session, permission)
    if found is None:
        return
    await session.execute(
        delete(GroupDeviceTypePermission).where(
            GroupDeviceTypePermission.devicetype_id == name,
            GroupDeviceTypePermission.group_id == group_id,
            GroupDeviceTypePermission.permission_id == found.id,
        )
    )
    await ctx.commit(session)


async def grant_device_type_permission(
    ctx: RequestContext, name: str, group_name: str, permission: str
) -> None:
    """Give a group a permission on one device type (staff only); granting twice is a
    no-op. UnknownPermission for a codename that is not a device-type permission."""
    require_staff(ctx)
    async with ctx.db() as session:
        await _grant(
            ctx, session, name, await _type_and_group(session, name, group_name), permission
        )


async def revoke_device_type_permission(
    ctx: RequestContext, name: str, group_name: str, permission: str
) -> None:
    """Take a permission on one device type from a group (staff only); silent when the
    group does not hold it or the codename is unknown."""
    require_staff(ctx)
    async with ctx.db() as session:
        await _revoke(
            ctx, session, name, await _type_and_group(session, name, group_name), permission
        )


async def _legacy_type_and_group(session: AsyncSession, name: Any, group_name: str) -> int:
    return await legacy_object_and_group(
        session,
        DeviceType,
        name,
        group_name,
        not_string="device_type name must be a string",
        absent="please use existing device type name",
    )


async def assign_device_type_permission(
    ctx: RequestContext, permission: str, name: Any, group_name: str
) -> None:
    """``system.assign_perm_device_type``: give a group a permission on a device type, with
    the global ``change_devicetype`` permission (not staff). ``name`` as sent: BadInput
    when it is not a string, or when the group or the type does not exist;
    UnknownPermission for a codename that is not a device type's."""
    require_global(ctx, f"{APP_LABEL}.change_devicetype")
    async with ctx.db() as session:
        group_id = await _legacy_type_and_group(session, name, group_name)
        await _grant(ctx, session, name, group_id, permission)


async def unassign_device_type_permission(
    ctx: RequestContext, permission: str, name: Any, group_name: str
) -> None:
    """``system.revoke_perm_device_type``: the checks of
    :func:`assign_device_type_permission`, then take the permission from the group (silent
    when it does not hold it or the codename is unknown)."""
    require_global(ctx, f"{APP_LABEL}.change_devicetype")
    async with ctx.db() as session:
        group_id = await _legacy_type_and_group(session, name, group_name)
        await _revoke(ctx, session, name, group_id, permission)


async def _alias_name_problems(session: AsyncSession, name: str, moving: bool) -> list[str]:
    """Why ``name`` cannot be a new alias, in LAVA's validation texts (none: it can).
    With ``moving``, an existing alias of that name is not a problem."""
    if (await session.get(DeviceType, name)) is not None:
        return [f"DeviceType with name '{name}' already exists."]
    if not name:
        return ["This field cannot be blank."]
    if len(name) > ALIAS_NAME_LENGTH:
        return [
            f"Ensure this value has at most {ALIAS_NAME_LENGTH} characters (it has {len(name)})."
        ]
    if not moving and (await session.get(Alias, name)) is not None:
        return ["Alias with this Alias for this device-type already exists."]
    return []


async def create_alias(ctx: RequestContext, name: str, device_type_name: str) -> Alias:
    """Make a new alias for a device type the viewer can see (global ``add_alias``)."""
    require_global(ctx, f"{APP_LABEL}.add_alias")
    async with ctx.db() as session:
        if await session.get(DeviceType, device_type_name) is None:
            raise BadInput("Bad request. DeviceType does not exist")
    if device_type_name in (await hidden_inventory(ctx)).device_types:
        raise _type_not_found(device_type_name)
    async with ctx.db() as session:
        problems = await _alias_name_problems(session, name, moving=False)
        if problems:
            raise NotFound("\n".join(problems))
        alias = Alias(name=name, device_type_id=device_type_name)
        session.add(alias)
        await _commit_or_refuse(
            ctx, session, "Bad request. Alias or DeviceType name already exists."
        )
    return alias


async def attach_alias(ctx: RequestContext, device_type_name: str, name: str) -> Alias:
    """Point an alias (created if needed, moved if it had another type) at a device type
    the viewer may change (global ``add_alias`` too). BadInput for a name that a device
    type has, or that is empty or too long."""
    require_global(ctx, f"{APP_LABEL}.add_alias")
    await changeable_device_type(ctx, device_type_name, "admin")
    async with ctx.db() as session:
        problems = await _alias_name_problems(session, name, moving=True)
        if problems:
            raise BadInput("\n".join(problems))
        alias = await session.get(Alias, name)
        if alias is None:
            alias = Alias(name=name)
            session.add(alias)
        alias.device_type_id = device_type_name
        await _commit_or_refuse(
            ctx, session, "Bad request. Alias or DeviceType name already exists."
        )
    return alias


async def detach_alias(ctx: RequestContext, device_type_name: str, name: str) -> None:
    """Take an alias from a device type the viewer may change; the alias stays, with no
    type. AliasOfAnotherType when it is not this type's alias."""
    await changeable_device_type(ctx, device_type_name, "admin")
    async with ctx.db() as session:
        alias = await session.get(Alias, name)
        if alias is None:
            raise NotFound(f"Alias '{name}' was not found.")
        if alias.device_type_id != device_type_name:
            raise AliasOfAnotherType(name, device_type_name)
        alias.device_type_id = None
        await ctx.commit(session)


async def delete_alias(ctx: RequestContext, name: str) -> None:
    """Delete an alias (global ``delete_alias``)."""
    require_global(ctx, f"{APP_LABEL}.delete_alias")
    async with ctx.db() as session:
        alias = await session.get(Alias, name)
        if alias is None:
            raise NotFound(f"Alias '{name}' was not found.")
        await session.delete(alias)
        await ctx.commit(session)


async def alias_names(ctx: RequestContext) -> list[str]:
    """Every alias name, sorted, except those of device types hidden from the viewer."""
    statement = select(Alias.name).order_by(Alias.name)
    hidden = (await hidden_inventory(ctx)).device_types
    if hidden:
        statement = statement.where(
            or_(Alias.device_type_id.is_(None), Alias.device_type_id.not_in(sorted(hidden)))
        )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def alias_device_type(ctx: RequestContext, name: str) -> str | None:
    """The name of an alias's device type; None when it has none or the viewer may not
    see it. NotFound when there is no such alias."""
    async with ctx.db() as session:
        alias = await session.get(Alias, name)
    if alias is None:
        raise NotFound(f"Alias '{name}' was not found.")
    if alias.device_type_id in (await hidden_inventory(ctx)).device_types:
        return None
    return alias.device_type_id


async def create_tag(ctx: RequestContext, name: str, description: str | None = None) -> Tag:
    """Make a tag (global ``add_tag``): a new name of 1 to 100 characters."""
    require_global(ctx, f"{APP_LABEL}.add_tag")
    if not name or len(name) > TAG_NAME_LENGTH or await get_tag(ctx, name) is not None:
        raise BadInput(TAG_IN_USE)
    async with ctx.db() as session:
        tag = Tag(name=name, description=description)
        session.add(tag)
        await _commit_or_refuse(ctx, session, TAG_IN_USE)
    return tag


async def delete_tag(ctx: RequestContext, name: str) -> None:
    """Delete a tag, taking it from the devices and jobs that had it (global ``delete_tag``)."""
    require_global(ctx, f"{APP_LABEL}.delete_tag")
    tag = await get_tag(ctx, name)
    if tag is None:
        raise NotFound(f"Tag '{name}' was not found.")
    async with ctx.db() as session:
        await session.execute(delete(DeviceTag).where(DeviceTag.tag_id == tag.id))
        await session.execute(delete(TestJobTag).where(TestJobTag.tag_id == tag.id))
        await session.execute(delete(Tag).where(Tag.id == tag.id))
        await ctx.commit(session)


async def all_tags(ctx: RequestContext) -> list[Tag]:
    """Every tag, by name."""
    async with ctx.db() as session:
        return list(await session.scalars(select(Tag).order_by(Tag.name)))


async def tag_devices(ctx: RequestContext, name: str) -> tuple[Tag, list[str]]:
    """A tag and the hostnames of the devices carrying it that the viewer may see, sorted.
    NotFound when there is no such tag."""
    tag = await get_tag(ctx, name)
    if tag is None:
        raise NotFound(f"Tag '{name}' was not found.")
    statement = (
        select(Device.hostname)
        .join(DeviceTag, DeviceTag.device_id == Device.hostname)
        .where(DeviceTag.tag_id == tag.id, await device_visible(ctx))
        .order_by(Device.hostname)
    )
    async with ctx.db() as session:
        return tag, list(await session.scalars(statement))


# --- the REST door: windows of device types, aliases, tags and device-type grants ---------

CHANGE_DEVICE = f"{APP_LABEL}.change_device"


def require_model_permission(ctx: RequestContext, codename: str) -> None:
    """DRF's model permission on a REST write: the global ``lava_scheduler_app.<codename>``
    (Unauthenticated when anonymous, else PermissionDenied)."""
    require_global(ctx, f"{APP_LABEL}.{codename}")


async def counted_device_types(
    ctx: RequestContext,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[DeviceType]]:
    """How many visible device types meet ``conditions`` (field set ``device_type``), and
    one window of them in ``ordering`` then by name."""
    clauses = await where_clauses(ctx, FIELD_SETS, "device_type", conditions)
    matching = select(DeviceType).where(await device_type_visible(ctx))
    fields = FIELD_SETS["device_type"]
    return await counted_window(
        ctx, matching, fields, clauses, ordering, [DeviceType.name], offset, limit
    )


@dataclasses.dataclass(frozen=True)
class DeviceTypeLinks:
    """The names a device type refers to: its aliases and its cores, sorted."""

    aliases: list[str]
    cores: list[str]


async def device_type_links(
    ctx: RequestContext, names: Sequence[str]
) -> dict[str, DeviceTypeLinks]:
    """The :class:`DeviceTypeLinks` of each device type, in two statements for any number."""
    aliases = await aliases_by_type(ctx, names)
    cores: dict[str, list[str]] = defaultdict(list)
    statement = (
        select(DeviceTypeCore.devicetype_id, DeviceTypeCore.core_id)
        .where(DeviceTypeCore.devicetype_id.in_(list(names)))
        .order_by(DeviceTypeCore.core_id)
    )
    async with ctx.db() as session:
        for name, core in await session.execute(statement):
            cores[name].append(core)
    return {
        name: DeviceTypeLinks([alias.name for alias in aliases.get(name, [])], cores[name])
        for name in names
    }


async def device_type_file(ctx: RequestContext, kind: FileKind, name: str) -> str | None:
    """The template or health check of a visible device type (NotFound otherwise), None
    when nothing is stored."""
    await visible_device_type(ctx, name)
    return await read_file(ctx, kind, name)


async def store_device_type_file(
    ctx: RequestContext, kind: FileKind, name: str, content: str
) -> None:
    """The REST door's write of a device type's template or health check: the global
    ``change_device`` permission (LAVA's check, sic), a visible device type (NotFound),
    then BadInput for an empty text."""
    require_global(ctx, CHANGE_DEVICE)
    await visible_device_type(ctx, name)
    if not content:
        raise BadInput("nothing to store")
    await write_file(ctx, kind, name, content)


_TYPE_REFERENCES = (
    ("architecture_id", Architecture),
    ("processor_id", ProcessorFamily),
    ("bits_id", BitWidth),
)


async def _write_device_type_values(
    session: AsyncSession, device_type: DeviceType, values: dict[str, Any]
) -> None:
    """Check then set the given columns and ``core_names`` (replacing the cores);
    MissingReferences for a value naming no row."""
    missing = await missing_references(session, _TYPE_REFERENCES, values, "core_names", Core.name)
    cores = list(dict.fromkeys(values.get("core_names") or []))
    if missing:
        raise MissingReferences(missing)
    for key, value in values.items():
        if key != "core_names":
            setattr(device_type, key, value)
    if "core_names" in values:
        await session.execute(
            delete(DeviceTypeCore).where(DeviceTypeCore.devicetype_id == device_type.name)
        )
        session.add_all(DeviceTypeCore(devicetype_id=device_type.name, core_id=c) for c in cores)


async def create_device_type_record(
    ctx: RequestContext, name: str, values: dict[str, Any]
) -> DeviceType:
    """``POST devicetypes/`` (superusers): NameTaken when a device type has the name."""
    require_superuser(ctx)
    async with ctx.db() as session:
        if await session.get(DeviceType, name) is not None:
            raise NameTaken(f"Device-type '{name}' already exists.")
        device_type = DeviceType(
            name=name, health_frequency=24, disable_health_check=False, display=True
        )
        session.add(device_type)
        await session.flush()
        await _write_device_type_values(session, device_type, values)
        await _commit_or_refuse(ctx, session, NAME_IN_USE)
    return device_type


async def change_device_type_record(
    ctx: RequestContext, name: str, values: dict[str, Any]
) -> DeviceType:
    """``PUT``/``PATCH devicetypes/<name>/`` (superusers): write the given columns of a
    visible device type."""
    require_superuser(ctx)
    device_type = await visible_device_type(ctx, name)
    async with ctx.db() as session:
        await _write_device_type_values(session, device_type, values)
        await ctx.commit(session)
    return device_type


async def delete_device_type_record(ctx: RequestContext, name: str) -> None:
    """``DELETE devicetypes/<name>/`` (superusers); BadInput while devices still use it."""
    require_superuser(ctx)
    device_type = await visible_device_type(ctx, name)
    async with ctx.db() as session:
        used = await session.scalar(
            select(Device.hostname).where(Device.device_type_id == name).limit(1)
        )
        if used is not None:
            raise BadInput(f"Device-type '{name}' is used by devices.")
        await session.delete(device_type)
        await ctx.commit(session)


async def _listed_aliases(ctx: RequestContext) -> Any:
    """Aliases of visible device types that are displayed (LAVA's REST queryset)."""
    return (
        select(Alias)
        .join(DeviceType, DeviceType.name == Alias.device_type_id)
        .where(DeviceType.display.is_(True), await device_type_visible(ctx))
    )


ALIAS_ORDERING = {
    **FIELD_SETS["alias"],
    "device_type": Field(Alias.device_type_id, Kind.TEXT, frozenset()),
}


async def counted_aliases(
    ctx: RequestContext,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Alias]]:
    """``aliases/`` (logged-in callers): how many listed aliases meet ``conditions`` (field
    set ``alias``), and one window of them in ``ordering`` (name, device_type) then by name."""
    require_login(ctx)
    clauses = await where_clauses(ctx, FIELD_SETS, "alias", conditions)
    matching = await _listed_aliases(ctx)
    return await counted_window(
        ctx, matching, ALIAS_ORDERING, clauses, ordering, [Alias.name], offset, limit
    )


async def listed_alias(ctx: RequestContext, name: str) -> Alias:
    """One listed alias (logged-in callers); NotFound otherwise."""
    require_login(ctx)
    statement = (await _listed_aliases(ctx)).where(Alias.name == name)
    async with ctx.db() as session:
        alias = (await session.scalars(statement)).first()
    if alias is None:
        raise NotFound(f"Alias '{name}' was not found.")
    return alias


async def _alias_type(ctx: RequestContext, session: AsyncSession, name: str | None) -> None:
    """MissingReferences unless ``name`` (when given) is a device type the viewer sees."""
    if name is None:
        return
    hidden = name in (await hidden_inventory(ctx)).device_types
    if hidden or await session.get(DeviceType, name) is None:
        raise MissingReferences({"device_type_id": name})


async def create_alias_record(ctx: RequestContext, name: str, device_type: str | None) -> Alias:
    """``POST aliases/`` (global ``add_alias``): NameTaken when an alias has the name."""
    require_global(ctx, f"{APP_LABEL}.add_alias")
    async with ctx.db() as session:
        await _alias_type(ctx, session, device_type)
        if await session.get(Alias, name) is not None:
            raise NameTaken(f"Alias '{name}' already exists.")
        alias = Alias(name=name, device_type_id=device_type)
        session.add(alias)
        await _commit_or_refuse(ctx, session, f"Alias '{name}' already exists.")
    return alias


async def change_alias_record(ctx: RequestContext, name: str, device_type: str | None) -> Alias:
    """``PUT``/``PATCH aliases/<name>/`` (global ``change_alias``): point a listed alias
    at another device type."""
    require_global(ctx, f"{APP_LABEL}.change_alias")
    alias = await listed_alias(ctx, name)
    async with ctx.db() as session:
        await _alias_type(ctx, session, device_type)
        alias.device_type_id = device_type
        await ctx.commit(session)
    return alias


async def delete_alias_record(ctx: RequestContext, name: str) -> None:
    """``DELETE aliases/<name>/`` (global ``delete_alias``) of a listed alias."""
    require_global(ctx, f"{APP_LABEL}.delete_alias")
    alias = await listed_alias(ctx, name)
    async with ctx.db() as session:
        await session.delete(alias)
        await ctx.commit(session)


async def counted_tags(
    ctx: RequestContext,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Tag]]:
    """``tags/`` (logged-in callers): how many tags meet ``conditions`` (field set
    ``tag``), and one window of them in ``ordering`` then by id."""
    require_login(ctx)
    clauses = await where_clauses(ctx, FIELD_SETS, "tag", conditions)
    fields = FIELD_SETS["tag"]
    return await counted_window(
        ctx, select(Tag), fields, clauses, ordering, [Tag.id], offset, limit
    )


async def listed_tag(ctx: RequestContext, tag_id: int) -> Tag:
    """One tag by id (logged-in callers); NotFound otherwise."""
    require_login(ctx)
    async with ctx.db() as session:
        return await existing(session, Tag, tag_id, f"no tag {tag_id}")


async def save_tag_record(
    ctx: RequestContext, tag_id: int | None, name: str | None, description: str | None
) -> Tag:
    """Create (``tag_id`` None: global ``add_tag``) or change a tag (``change_tag``); None
    keeps a value (a new tag's description stays unset). NameTaken for another tag's name."""
    require_global(ctx, f"{APP_LABEL}.{'add' if tag_id is None else 'change'}_tag")
    tag = Tag() if tag_id is None else await listed_tag(ctx, tag_id)
    async with ctx.db() as session:
        if name is not None:
            other = await session.scalar(select(Tag.id).where(Tag.name == name))
            if other is not None and other != tag_id:
                raise NameTaken(TAG_IN_USE)
            tag.name = name
        if description is not None:
            tag.description = description
        session.add(tag)
        await _commit_or_refuse(ctx, session, TAG_IN_USE)
    return tag


async def delete_tag_record(ctx: RequestContext, tag_id: int) -> None:
    """``DELETE tags/<id>/`` (global ``delete_tag``): as :func:`delete_tag`."""
    require_global(ctx, f"{APP_LABEL}.delete_tag")
    await delete_tag(ctx, (await listed_tag(ctx, tag_id)).name)


async def _device_type_grant_values(
    session: AsyncSession, group: str, codename: str, name: str
) -> tuple[int, int]:
    """The group and permission ids of a device-type grant's names; MissingReferences
    (keys ``group``, ``permission``, ``devicetype``) for each that names no row."""
    missing: dict[str, object] = {}
    group_id = await session.scalar(select(Group.id).where(Group.name == group))
    if group_id is None:
        missing["group"] = group
    found = await _device_type_permission(session, codename) if "." not in codename else None
    if found is None:
        missing["permission"] = codename
    if await session.get(DeviceType, name) is None:
        missing["devicetype"] = name
    if missing:
        raise MissingReferences(missing)
    assert group_id is not None and found is not None
    return group_id, found.id


DEVICE_TYPE_GRANTS = GrantTable(
    model=GroupDeviceTypePermission,
    target=GroupDeviceTypePermission.devicetype_id,
    field_set="device_type_permission",
    missing="no device-type permission",
    taken="that group already holds that permission on that device type",
    values=_device_type_grant_values,
)
