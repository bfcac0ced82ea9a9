"""Devices: lookups, filtered keyset lists, and the batches data loaders call."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import yaml
from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gql_server.db.models import (
    ContentType,
    Device,
    DeviceTag,
    DeviceType,
    Group,
    GroupDevicePermission,
    Permission,
    Tag,
    TestJob,
    User,
    Worker,
)
from gql_server.db.types import utcnow
from gql_server.events.wire import device_event
from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState
from gql_server.lab.states import JobStatus, advance, cancel
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import (
    BadInput,
    LabError,
    NotFound,
    PermissionDenied,
    UnknownPermission,
)
from gql_server.resolvers.events import record_event, record_job_change
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import (
    Condition,
    Field,
    Kind,
    counted_window,
    order_columns,
    where_clauses,
)
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import (
    can_change_device,
    device_visible,
    require_global,
    require_login,
    require_staff,
    require_superuser,
)
from gql_server.resolvers.rows import existing
from gql_server.resolvers.stored_files import FileKind, delete_file, read_file, write_file


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
    return await _write_health(ctx, device, health)


async def _write_health(ctx: RequestContext, device: Device, health: DeviceHealth) -> Device:
    """Set the health of a device the viewer may change, with its event; retiring cancels
    the current job. Nothing happens when the health is already that."""
    async with ctx.db() as session:
        if await _apply_health(ctx, session, device, health):
            await ctx.commit(session)
    return device


async def _apply_health(
    ctx: RequestContext, session: AsyncSession, device: Device, health: DeviceHealth
) -> bool:
    """Set a device's health with its event, retiring cancelling the current job, without
    committing; False (and nothing done) when the health is already that."""
    if device.health == int(health):
        return False
    device.health = int(health)
    if health is DeviceHealth.RETIRED:
        await _cancel_current_job(ctx, session, device.hostname)
    job = await current_job_reference(session, device.hostname)
    record_device_change(ctx, session, device, job)
    return True


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


# --- the legacy doors: LAVA's checks, texts and writes -------------------------------------

DEVICE_PERMISSIONS = frozenset(
    {"add_device", "change_device", "delete_device", "view_device", "submit_to_device"}
)
TAG_NAME_LENGTH = 100
HOSTNAME_LENGTH = 200
TEMPLATE_SUFFIX = ".jinja2"
MAX_TEMPLATES = 50  # templates one device configuration may pull in (extends, includes)
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+["']([^"']+)["']""")


@dataclasses.dataclass(frozen=True)
class Grant:
    """A per-object group permission (on a device or a device type): its codename and the
    group's name."""

    codename: str
    group: str


@dataclasses.dataclass(frozen=True)
class DeviceChanges:
    """What ``scheduler.devices.update`` may change; None leaves a field as it is. Names and
    the health (LAVA's upper-case input name) are checked by :func:`update_device`."""

    worker: str | None = None
    owner: str | None = None
    health: str | None = None
    description: str | None = None
    device_type: str | None = None


def _username(ctx: RequestContext) -> str:
    return ctx.viewer.username or "AnonymousUser"


def _not_found(hostname: str) -> NotFound:
    return NotFound(f"Device '{hostname}' was not found.")


async def _existing_device(session: AsyncSession, hostname: str) -> Device:
    """The device, whoever may see it; NotFound with LAVA's text when there is none."""
    device = await session.get(Device, hostname)
    if device is None:
        raise _not_found(hostname)
    return device


async def checked_device(
    ctx: RequestContext,
    hostname: str,
    *,
    refusal: LabError,
    change: bool = False,
    missing: LabError | None = None,
) -> Device:
    """The device, if the viewer may see it (or, with ``change``, change it). LAVA's legacy
    methods word their failures each their own way, so the caller gives the errors:
    ``missing`` when there is no such device (by default NotFound "Device '<hostname>' was
    not found."), ``refusal`` when the viewer lacks the right."""
    async with ctx.db() as session:
        device = await session.get(Device, hostname)
    if device is None:
        raise missing or _not_found(hostname)
    if change:
        allowed = await can_change_device(ctx, device.hostname, device.device_type_id)
    else:
        allowed = await get_device(ctx, hostname) is not None
    if not allowed:
        raise refusal
    return device


async def viewable_device(ctx: RequestContext, hostname: str) -> Device:
    """The device as LAVA's show methods find it: NotFound when absent, PermissionDenied when
    the viewer may not see it."""
    refusal = PermissionDenied(f"Device '{hostname}' not available to user '{_username(ctx)}'.")
    return await checked_device(ctx, hostname, refusal=refusal)


async def changeable_device(ctx: RequestContext, hostname: str) -> Device:
    """The device, if the viewer may change it (NotFound, else PermissionDenied)."""
    refusal = PermissionDenied(
        f"User '{_username(ctx)}' needs admin permission on device {hostname}."
    )
    return await checked_device(ctx, hostname, refusal=refusal, change=True)


async def current_job_ids(ctx: RequestContext, hostnames: Sequence[str]) -> dict[str, int]:
    """The id of each device's unfinished job (LAVA's ``current_job``), whoever may see it."""
    statement = select(TestJob.actual_device_id, TestJob.id).where(
        TestJob.actual_device_id.in_(list(hostnames)), TestJob.state != int(JobState.FINISHED)
    )
    async with ctx.db() as session:
        return {hostname: job_id for hostname, job_id in await session.execute(statement)}


async def every_visible_device(ctx: RequestContext, include_retired: bool) -> list[Device]:
    """Every visible device by hostname; retired ones only when asked for."""
    statement = (await visible_devices(ctx)).order_by(Device.hostname)
    if not include_retired:
        statement = statement.where(Device.health != int(DeviceHealth.RETIRED))
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def device_grants(ctx: RequestContext, hostname: str) -> list[Grant]:
    """The per-object group permissions on a device, in the order they were granted. Callers
    check that the viewer may see the device."""
    statement = (
        select(Permission.codename, Group.name)
        .select_from(GroupDevicePermission)
        .join(Permission, Permission.id == GroupDevicePermission.permission_id)
        .join(Group, Group.id == GroupDevicePermission.group_id)
        .where(GroupDevicePermission.device_id == hostname)
        .order_by(GroupDevicePermission.id)
    )
    async with ctx.db() as session:
        return [Grant(codename, group) for codename, group in await session.execute(statement)]


async def has_health_check(ctx: RequestContext, hostname: str) -> bool:
    """Whether a health check exists for the device: LAVA names it after the template its
    dictionary extends. Callers check that the viewer may see the device."""
    dictionary = await read_file(ctx, FileKind.DEVICE_DICTIONARY, hostname)
    extended = _EXTENDS.findall(dictionary or "")
    if len(extended) != 1:
        return False
    name = extended[0].removesuffix(TEMPLATE_SUFFIX)
    return bool(await read_file(ctx, FileKind.HEALTH_CHECK, name))


async def device_dictionary(ctx: RequestContext, hostname: str) -> str | None:
    """The device dictionary (Jinja2 text) of a device the viewer may see, None when unset."""
    await viewable_device(ctx, hostname)
    return await read_file(ctx, FileKind.DEVICE_DICTIONARY, hostname)


async def set_device_dictionary(ctx: RequestContext, hostname: str, text: str) -> None:
    """Store a device's dictionary; an empty text removes it. Needs the device change right."""
    await changeable_device(ctx, hostname)
    if text:
        await write_file(ctx, FileKind.DEVICE_DICTIONARY, hostname, text)
    else:
        await delete_file(ctx, FileKind.DEVICE_DICTIONARY, hostname)


async def _template_text(ctx: RequestContext, name: str) -> str | None:
    """A template as LAVA's device loader finds ``<name>.jinja2``: among the device
    dictionaries first, then the device-type templates."""
    if not name.endswith(TEMPLATE_SUFFIX):
        return None
    stem = name.removesuffix(TEMPLATE_SUFFIX)
    for kind in (FileKind.DEVICE_DICTIONARY, FileKind.DEVICE_TYPE_TEMPLATE):
        text = await read_file(ctx, kind, stem)
        if text is not None:
            return text
    return None


async def _template_texts(ctx: RequestContext, entry: str) -> dict[str, str] | None:
    """``entry`` and every stored template it extends, includes or imports, by file name;
    None when one of them is not valid Jinja2."""
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    parser = SandboxedEnvironment()
    texts: dict[str, str] = {}
    pending = [entry]
    while pending and len(texts) < MAX_TEMPLATES:
        name = pending.pop()
        text = None if name in texts else await _template_text(ctx, name)
        if text is None:
            continue
        texts[name] = text
        try:
            referenced = meta.find_referenced_templates(parser.parse(text))
        except TemplateSyntaxError:
            return None
        pending.extend(other for other in referenced if other and other not in texts)
    return texts


def _render(texts: dict[str, str], entry: str, variables: dict[str, Any]) -> str | None:
    """Render ``entry`` in a sandbox as LAVA renders device configurations; None when
    Jinja2 cannot (a missing template, an undefined filter...)."""
    from jinja2 import DictLoader, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(loader=DictLoader(texts), autoescape=False, trim_blocks=True)
    try:
        return environment.get_template(entry).render(**variables)
    except TemplateError:
        return None


async def render_device_configuration(
    ctx: RequestContext, hostname: str, variables: dict[str, Any]
) -> str | None:
    """The device configuration (YAML text) rendered from the dictionary of a device the
    viewer may see and the templates it extends, with ``variables`` (a job context) plus
    ``scheduled_device_name`` and ``scheduled_device_type``; None when it cannot be."""
    device = await viewable_device(ctx, hostname)
    entry = f"{hostname}{TEMPLATE_SUFFIX}"
    texts = await _template_texts(ctx, entry)
    if not texts or entry not in texts:
        return None
    context = variables | {
        "scheduled_device_name": device.hostname,
        "scheduled_device_type": device.device_type_id,
    }
    return await asyncio.to_thread(_render, texts, entry, context)


def _health(name: str, fault: str) -> DeviceHealth:
    """A device health from LAVA's upper-case input name (exactly), BadInput otherwise."""
    if name not in DeviceHealth.__members__:
        raise BadInput(fault)
    return DeviceHealth[name]


async def add_device(
    ctx: RequestContext,
    hostname: str,
    device_type: str,
    worker: str,
    health: str | None = None,
    description: str | None = None,
) -> Device:
    """Create an idle device (health Unknown unless given): needs the global change_device
    permission. Hostnames hold 1 to 200 characters and no ``/``."""
    require_global(ctx, "lava_scheduler_app.change_device")
    async with ctx.db() as session:
        if await session.get(DeviceType, device_type) is None:
            raise NotFound(f"DeviceType '{device_type}' was not found.")
        if await session.get(Worker, worker) is None:
            raise NotFound(f"Worker '{worker}' was not found.")
        chosen = DeviceHealth.UNKNOWN if health is None else _health(health, "Invalid health")
        exists = await session.get(Device, hostname) is not None
        if exists or not 0 < len(hostname) <= HOSTNAME_LENGTH or "/" in hostname:
            raise BadInput("Bad request: device already exists?")
        device = Device(
            hostname=hostname,
            device_type_id=device_type,
            worker_host_id=worker,
            state=int(DeviceState.IDLE),
            health=int(chosen),
            description=description,
        )
        session.add(device)
        try:
            await ctx.commit(session)
        except IntegrityError as exc:  # the same hostname added at the same moment
            await session.rollback()
            raise BadInput("Bad request: device already exists?") from exc
    return device


async def _owner_id(session: AsyncSession, username: str | None) -> int | None:
    if username is None:
        return None
    owner = await session.scalar(select(User.id).where(User.username == username))
    if owner is None:
        raise NotFound(f"Unable to find username '{username}'")
    return owner


async def update_device(ctx: RequestContext, hostname: str, changes: DeviceChanges) -> Device:
    """Change a device's worker, physical owner, health, description or type (LAVA master's
    ``scheduler.devices.update``): needs the device change right; every value is checked
    before any is written. A health change emits the device event; retiring cancels the
    device's current job."""
    device = await changeable_device(ctx, hostname)
    async with ctx.db() as session:
        if changes.worker is not None and await session.get(Worker, changes.worker) is None:
            raise NotFound(f"Unable to find worker '{changes.worker}'")
        owner = await _owner_id(session, changes.owner)
        health = None
        if changes.health is not None:
            health = _health(changes.health, f"Health '{changes.health}' is invalid")
        wanted_type = changes.device_type
        if wanted_type is not None and await session.get(DeviceType, wanted_type) is None:
            raise NotFound(f"Unable to find device-type '{wanted_type}'")
        if changes.worker is not None:
            device.worker_host_id = changes.worker
        if owner is not None:
            device.physical_owner_id = owner
        if wanted_type is not None:
            device.device_type_id = wanted_type
        if changes.description is not None:
            device.description = changes.description
        if health is not None and device.health != int(health):
            device.health = int(health)
            if health is DeviceHealth.RETIRED:
                await _cancel_current_job(ctx, session, hostname)
            job = await current_job_reference(session, hostname)
            record_device_change(ctx, session, device, job)
        await ctx.commit(session)
    return device


async def _finish_before_deletion(ctx: RequestContext, session: AsyncSession, job: TestJob) -> None:
    """Finish an unfinished job as Canceled (with its event) before it is deleted."""
    status = JobStatus(JobState(job.state), JobHealth(job.health), job.start_time, job.end_time)
    after = advance(status, JobState.FINISHED, utcnow(), JobHealth.CANCELED)
    if after is not None:
        job.state, job.health = int(after.state), int(after.health)
        job.start_time, job.end_time = after.start_time, after.end_time
        await record_job_change(ctx, session, job)


async def delete_device(ctx: RequestContext, hostname: str) -> None:
    """Delete a device (global delete_device permission), and as LAVA master does, every job
    that ran on it or asked for it, with their results; unfinished ones are first finished
    as Canceled, with their events. The stored device dictionary is kept."""
    require_global(ctx, "lava_scheduler_app.delete_device")
    async with ctx.db() as session:
        device = await _existing_device(session, hostname)
        on_device = or_(
            TestJob.actual_device_id == hostname, TestJob.requested_device_id == hostname
        )
        for job in list(await session.scalars(select(TestJob).where(on_device))):
            await _finish_before_deletion(ctx, session, job)
            await session.delete(job)
        await session.flush()
        await session.delete(device)
        await ctx.commit(session)


async def find_group_id(session: AsyncSession, name: str, missing: LabError | None = None) -> int:
    """The id of the group named ``name``; ``missing`` when there is none (by default
    NotFound "Group '<name>' was not found.")."""
    group = await session.scalar(select(Group.id).where(Group.name == name))
    if group is None:
        raise missing or NotFound(f"Group '{name}' was not found.")
    return group


def _codename(permission: str) -> str:
    """The codename of ``permission``, without an ``app_label.`` prefix."""
    return permission.rpartition(".")[2]


async def _device_permission(session: AsyncSession, codename: str) -> Permission:
    """The Permission row of a device codename, made when the database lacks it (Django
    creates these rows when LAVA is installed)."""
    content_type = await session.scalar(
        select(ContentType).where(
            ContentType.app_label == "lava_scheduler_app", ContentType.model == "device"
        )
    )
    if content_type is None:
        content_type = ContentType(app_label="lava_scheduler_app", model="device")
        session.add(content_type)
        await session.flush()
    permission = await session.scalar(
        select(Permission).where(
            Permission.content_type_id == content_type.id, Permission.codename == codename
        )
    )
    if permission is None:
        permission = Permission(
            name=f"Can {codename.replace('_', ' ')}",
            codename=codename,
            content_type_id=content_type.id,
        )
        session.add(permission)
        await session.flush()
    return permission


async def _grant(
    ctx: RequestContext, session: AsyncSession, hostname: str, group_id: int, permission: str
) -> None:
    """Give the group the device permission (idempotent) and commit. UnknownPermission when
    ``permission`` is not a device codename."""
    codename = _codename(permission)
    if codename not in DEVICE_PERMISSIONS:
        raise UnknownPermission()
    permission_id = (await _device_permission(session, codename)).id
    granted = await session.scalar(
        select(GroupDevicePermission.id).where(
            GroupDevicePermission.device_id == hostname,
            GroupDevicePermission.group_id == group_id,
            GroupDevicePermission.permission_id == permission_id,
        )
    )
    if granted is None:
        session.add(
            GroupDevicePermission(
                device_id=hostname, group_id=group_id, permission_id=permission_id
            )
        )
    await ctx.commit(session)


async def _revoke(
    ctx: RequestContext, session: AsyncSession, hostname: str, group_id: int, permission: str
) -> None:
    """Take the device permission from the group, if it holds it, and commit."""
    matching = select(Permission.id).where(Permission.codename == _codename(permission))
    await session.execute(
        delete(GroupDevicePermission).where(
            GroupDevicePermission.device_id == hostname,
            GroupDevicePermission.group_id == group_id,
            GroupDevicePermission.permission_id.in_(matching),
        )
    )
    await ctx.commit(session)


async def grant_device_permission(
    ctx: RequestContext, hostname: str, group: str, permission: str
) -> None:
    """Give a group a per-object permission on a device (staff only; idempotent).
    UnknownPermission when ``permission`` is not a device codename."""
    require_staff(ctx)
    async with ctx.db() as session:
        await _existing_device(session, hostname)
        await _grant(ctx, session, hostname, await find_group_id(session, group), permission)


async def revoke_device_permission(
    ctx: RequestContext, hostname: str, group: str, permission: str
) -> None:
    """Take a per-object device permission from a group (staff only); nothing happens when
    the group does not hold it or the codename is unknown."""
    require_staff(ctx)
    async with ctx.db() as session:
        await _existing_device(session, hostname)
        await _revoke(ctx, session, hostname, await find_group_id(session, group), permission)


async def list_device_grants(ctx: RequestContext, hostname: str) -> list[Grant]:
    """The per-object group permissions on a device (staff only)."""
    require_staff(ctx)
    async with ctx.db() as session:
        await _existing_device(session, hostname)
    return await device_grants(ctx, hostname)


async def device_tag_names(ctx: RequestContext, hostname: str) -> list[str]:
    """The names of a visible device's tags, sorted; NotFound also for a hidden device (LAVA
    master)."""
    if await get_device(ctx, hostname) is None:
        raise _not_found(hostname)
    return [tag.name for tag in (await tags_by_device(ctx, [hostname])).get(hostname, [])]


async def tag_device(ctx: RequestContext, hostname: str, name: str) -> None:
    """Attach a tag to a device, creating the tag when needed: needs the global add_tag
    permission and the device change right."""
    require_global(ctx, "lava_scheduler_app.add_tag")
    await changeable_device(ctx, hostname)
    if not 0 < len(name) <= TAG_NAME_LENGTH:
        raise BadInput(f"Bad request: a tag name has 1 to {TAG_NAME_LENGTH} characters")
    async with ctx.db() as session:
        tag = await session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            await session.flush()
        attached = await session.scalar(
            select(DeviceTag.id).where(DeviceTag.device_id == hostname, DeviceTag.tag_id == tag.id)
        )
        if attached is None:
            session.add(DeviceTag(device_id=hostname, tag_id=tag.id))
        await ctx.commit(session)


async def untag_device(ctx: RequestContext, hostname: str, name: str) -> None:
    """Detach a tag from a device (the tag itself stays): needs the device change right."""
    await changeable_device(ctx, hostname)
    async with ctx.db() as session:
        tag_id = await session.scalar(select(Tag.id).where(Tag.name == name))
        if tag_id is None:
            raise NotFound(f"Tag '{name}' was not found.")
        await session.execute(
            delete(DeviceTag).where(DeviceTag.device_id == hostname, DeviceTag.tag_id == tag_id)
        )
        await ctx.commit(session)


# --- the oldest methods: scheduler.* device forms and system.*_perm_device --------------

REQUIRED_SECTIONS = ("actions", "constants", "parameters", "timeouts")
NO_GROUP = "please use existing group name"
CHANGE_DEVICE = "lava_scheduler_app.change_device"


async def change_device_health(
    ctx: RequestContext, hostname: str, health: DeviceHealth, refusal: LabError
) -> Device:
    """Set a device's health as LAVA's ``put_into_maintenance_mode`` and
    ``put_into_online_mode`` do: login required, NotFound "Device '<hostname>' was not
    found.", then ``refusal`` unless the viewer may change the device. A change emits the
    device event."""
    require_login(ctx)
    device = await checked_device(ctx, hostname, refusal=refusal, change=True)
    return await _write_health(ctx, device, health)


async def dictionary_to_export(
    ctx: RequestContext, hostname: str, *, refusal: LabError, missing: LabError
) -> str | None:
    """The stored dictionary (Jinja2 text) of a device the viewer may change, None when
    unset; login required, then ``missing`` or ``refusal`` as :func:`checked_device`."""
    require_login(ctx)
    await checked_device(ctx, hostname, refusal=refusal, change=True, missing=missing)
    return await read_file(ctx, FileKind.DEVICE_DICTIONARY, hostname)


def configuration_problem(text: str) -> str | None:
    """What is wrong with a rendered device configuration, None when nothing is: it must
    be a YAML mapping holding the sections LAVA's device schema requires (the schema's
    finer rules are not checked)."""
    try:
        configuration = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return f"the configuration is not valid YAML: {exc}"
    if not isinstance(configuration, dict):
        return "the configuration is not a YAML mapping"
    for section in REQUIRED_SECTIONS:
        if section not in configuration:
            return f"required key not provided @ data['{section}']"
        if not isinstance(configuration[section], dict):
            return f"expected a dictionary for dictionary value @ data['{section}']"
    return None


async def legacy_object_and_group(
    session: AsyncSession, model: type, key: Any, group: str, *, not_string: str, absent: str
) -> int:
    """``system.*_perm_device`` and ``*_perm_device_type``'s checks after the permission's,
    each a BadInput: ``not_string`` when ``key`` is not a string, then NO_GROUP when the
    group does not exist, then ``absent`` when no ``model`` row has that key. Returns the
    group's id."""
    if not isinstance(key, str):
        raise BadInput(not_string)
    group_id = await find_group_id(session, group, BadInput(NO_GROUP))
    if await session.get(model, key) is None:
        raise BadInput(absent)
    return group_id


async def _legacy_device_and_group(session: AsyncSession, hostname: Any, group: str) -> int:
    return await legacy_object_and_group(
        session,
        Device,
        hostname,
        group,
        not_string="device argument must be a string",
        absent="please use existing device hostname",
    )


async def assign_device_permission(
    ctx: RequestContext, permission: str, hostname: Any, group: str
) -> None:
    """``system.assign_perm_device``: give a group a permission on a device, with the global
    ``change_device`` permission (not staff). ``hostname`` as sent: BadInput when it is not
    a string, or when the group or the device does not exist; UnknownPermission for a
    codename that is not a device's."""
    require_global(ctx, CHANGE_DEVICE)
    async with ctx.db() as session:
        group_id = await _legacy_device_and_group(session, hostname, group)
        await _grant(ctx, session, hostname, group_id, permission)


async def unassign_device_permission(
    ctx: RequestContext, permission: str, hostname: Any, group: str
) -> None:
    """``system.revoke_perm_device``: the checks of :func:`assign_device_permission`, then
    take the permission from the group (silent when it does not hold it)."""
    require_global(ctx, CHANGE_DEVICE)
    async with ctx.db() as session:
        group_id = await _legacy_device_and_group(session, hostname, group)
        await _revoke(ctx, session, hostname, group_id, permission)


# --- the REST door: windows of listed devices, DRF's checks and the serializer's writes ----

ADD_DEVICE = "lava_scheduler_app.add_device"


class ObjectChangeRefused(PermissionDenied):
    """The caller passed a route's permission check but may not change this object; LAVA's
    REST actions answer this refusal with their own text."""


class MissingReferences(BadInput):
    """Values naming no existing row, by the key they were given under (a serializer's
    "object does not exist")."""

    def __init__(self, missing: dict[str, object]) -> None:
        super().__init__(", ".join(f"{key}={value!r}" for key, value in missing.items()))
        self.missing = missing


class NameTaken(BadInput):
    """A new object's primary key that another object already has."""


def require_device_writer(ctx: RequestContext) -> None:
    """DRF's model permission on the REST door's device POSTs: the global ``add_device``
    (Unauthenticated when anonymous, else PermissionDenied)."""
    require_global(ctx, ADD_DEVICE)


async def _listed(ctx: RequestContext, include_retired: bool) -> Select:
    statement = await visible_devices(ctx)
    if not include_retired:
        statement = statement.where(Device.health != int(DeviceHealth.RETIRED))
    return statement


async def counted_devices(
    ctx: RequestContext,
    include_retired: bool,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Device]]:
    """How many visible devices meet ``conditions`` (on the ``device`` field set; retired
    devices only when asked for), and one window of them in ``ordering`` then by hostname."""
    clauses = await where_clauses(ctx, FIELD_SETS, "device", conditions)
    matching = await _listed(ctx, include_retired)
    fields = FIELD_SETS["device"]
    return await counted_window(
        ctx, matching, fields, clauses, ordering, [Device.hostname], offset, limit
    )


async def listed_device(ctx: RequestContext, hostname: str, include_retired: bool) -> Device:
    """A visible device as the REST list finds it (retired ones only when asked for);
    NotFound otherwise."""
    statement = (await _listed(ctx, include_retired)).where(Device.hostname == hostname)
    async with ctx.db() as session:
        device = (await session.scalars(statement)).first()
    if device is None:
        raise _not_found(hostname)
    return device


async def device_tag_ids(ctx: RequestContext, hostnames: Sequence[str]) -> dict[str, list[int]]:
    """The ids of each device's tags, ascending, in one statement for any number of devices."""
    statement = (
        select(DeviceTag.device_id, DeviceTag.tag_id)
        .where(DeviceTag.device_id.in_(list(hostnames)))
        .order_by(DeviceTag.tag_id)
    )
    grouped: dict[str, list[int]] = defaultdict(list)
    async with ctx.db() as session:
        for hostname, tag_id in await session.execute(statement):
            grouped[hostname].append(tag_id)
    return grouped


_REFERENCES = (
    ("device_type_id", DeviceType),
    ("physical_owner_id", User),
    ("physical_group_id", Group),
    ("worker_host_id", Worker),
)


async def missing_references(
    session: AsyncSession,
    references: Sequence[tuple[str, type]],
    values: dict[str, Any],
    many: str,
    many_key: Any,
) -> dict[str, object]:
    """What a serializer's write names that does not exist, by key: each of ``references``
    (a key and the model its value is a primary key of) given a value, then the first of
    the list ``values[many]`` that no row has as ``many_key``."""
    missing: dict[str, object] = {}
    for key, model in references:
        value = values.get(key)
        if value is not None and await session.get(model, value) is None:
            missing[key] = value
    wanted = values.get(many) or []
    if wanted:
        found = set(await session.scalars(select(many_key).where(many_key.in_(wanted))))
        absent = [item for item in wanted if item not in found]
        if absent:
            missing[many] = absent[0]
    return missing


async def _missing_references(session: AsyncSession, values: dict[str, Any]) -> dict[str, object]:
    return await missing_references(session, _REFERENCES, values, "tag_ids", Tag.id)


async def _write_device_values(
    ctx: RequestContext, session: AsyncSession, device: Device, values: dict[str, Any]
) -> None:
    """Set the given columns (and ``tag_ids``, replacing the tags); a health change emits
    the device event, and retiring cancels the current job."""
    for key, value in values.items():
        if key not in ("tag_ids", "health"):
            setattr(device, key, value)
    if "tag_ids" in values:
        await session.execute(delete(DeviceTag).where(DeviceTag.device_id == device.hostname))
        session.add_all(
            DeviceTag(device_id=device.hostname, tag_id=tag)
            for tag in dict.fromkeys(values["tag_ids"])
        )
    if values.get("health") is not None:
        await _apply_health(ctx, session, device, values["health"])


async def create_device_record(
    ctx: RequestContext, hostname: str, values: dict[str, Any]
) -> Device:
    """``POST devices/`` (superusers): a device with the given columns (``device_type_id``,
    ``health``, ``tag_ids``...). NameTaken when the hostname is in use, MissingReferences
    when a value names no row."""
    require_superuser(ctx)
    async with ctx.db() as session:
        if await session.get(Device, hostname) is not None:
            raise NameTaken(f"Device '{hostname}' already exists.")
        missing = await _missing_references(session, values)
        if missing:
            raise MissingReferences(missing)
        device = Device(
            hostname=hostname, state=int(DeviceState.IDLE), health=int(DeviceHealth.UNKNOWN)
        )
        session.add(device)
        await _write_device_values(ctx, session, device, values)
        try:
            await ctx.commit(session)
        except IntegrityError as exc:  # the same hostname added at the same moment
            await session.rollback()
            raise NameTaken(f"Device '{hostname}' already exists.") from exc
    return device


async def change_device_record(
    ctx: RequestContext, hostname: str, include_retired: bool, values: dict[str, Any]
) -> Device:
    """``PUT``/``PATCH devices/<hostname>/`` (superusers): write the given columns of a
    listed device; MissingReferences when a value names no row."""
    require_superuser(ctx)
    device = await listed_device(ctx, hostname, include_retired)
    async with ctx.db() as session:
        missing = await _missing_references(session, values)
        if missing:
            raise MissingReferences(missing)
        await _write_device_values(ctx, session, device, values)
        await ctx.commit(session)
    return device


async def delete_device_record(ctx: RequestContext, hostname: str, include_retired: bool) -> None:
    """``DELETE devices/<hostname>/`` (superusers): as :func:`delete_device`."""
    require_superuser(ctx)
    await listed_device(ctx, hostname, include_retired)
    await delete_device(ctx, hostname)


async def set_listed_device_health(
    ctx: RequestContext, hostname: str, include_retired: bool, health: DeviceHealth | None
) -> Device:
    """``POST devices/<hostname>/set_health/``: DRF's model permission (global
    ``add_device``), the listed device (NotFound), ObjectChangeRefused without the change
    right, BadInput for no health; then the change and its event."""
    require_device_writer(ctx)
    device = await listed_device(ctx, hostname, include_retired)
    if not await can_change_device(ctx, device.hostname, device.device_type_id):
        raise ObjectChangeRefused(f"you may not change device {hostname!r}")
    if health is None:
        raise BadInput("no such device health")
    return await _write_health(ctx, device, health)


async def store_listed_device_dictionary(
    ctx: RequestContext, hostname: str, include_retired: bool, text: str
) -> None:
    """``POST devices/<hostname>/dictionary/``: global ``add_device``, the listed device
    (NotFound), then :func:`set_device_dictionary` (the device change right)."""
    require_device_writer(ctx)
    await listed_device(ctx, hostname, include_retired)
    await set_device_dictionary(ctx, hostname, text)


async def device_configuration_check(ctx: RequestContext, text: str) -> str | None:
    """``POST devices/validate/``: global ``add_device``; BadInput for an empty text; then
    what is wrong with the device configuration, None when nothing is."""
    require_device_writer(ctx)
    if not text:
        raise BadInput("Device dictionary is required.")
    return await asyncio.to_thread(configuration_problem, text)


@dataclasses.dataclass(frozen=True)
class GrantRow:
    """A per-object group permission as the REST permission routes show it."""

    id: int
    group: str
    permission: str
    target: str


GrantValues = Callable[[AsyncSession, str, str, str], Awaitable[tuple[int, int]]]


@dataclasses.dataclass(frozen=True)
class GrantTable:
    """One per-object grant table, as the REST permission routes read and write it.
    ``values`` gives the group and permission ids of a grant's (group, codename, object)
    names, raising MissingReferences for each that names no row."""

    model: Any  # GroupDevicePermission or GroupDeviceTypePermission
    target: Any  # the model's column naming the object
    field_set: str  # the filter field set of its rows
    missing: str  # NotFound text for an absent id, before the id
    taken: str  # NameTaken text when the group already holds the permission on the object
    values: GrantValues

    def rows(self) -> Select:
        """(id, group name, codename, object) of each row. The group and permission are
        joined under aliases, so that a filter's subquery on those tables is not
        correlated to the join."""
        group, permission = aliased(Group), aliased(Permission)
        return (
            select(self.model.id, group.name, permission.codename, self.target)
            .join(permission, permission.id == self.model.permission_id)
            .join(group, group.id == self.model.group_id)
        )


async def counted_grants(
    ctx: RequestContext,
    table: GrantTable,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[GrantRow]]:
    """How many of the ``table``'s grants meet ``conditions`` on its field set, and one
    window of them in ``ordering`` (any of the set's fields, or ``id``) then by id.
    Superusers only."""
    require_superuser(ctx)
    rows = table.rows()
    fields = FIELD_SETS[table.field_set]
    matching = rows.where(*await where_clauses(ctx, FIELD_SETS, table.field_set, conditions))
    grant_id = rows.selected_columns[0]
    orderable = {**fields, "id": Field(grant_id, Kind.NUMBER, frozenset())}
    order = [*order_columns(orderable, ordering), grant_id]
    counting = select(func.count()).select_from(matching.subquery())
    async with ctx.db() as session:
        count = await session.scalar(counting)
        found = (await session.execute(matching.order_by(*order).offset(offset).limit(limit))).all()
    return count or 0, [GrantRow(*row) for row in found]


async def grant_row(ctx: RequestContext, table: GrantTable, grant_id: int) -> GrantRow:
    """One of the ``table``'s grants by id (superusers); NotFound when there is none."""
    require_superuser(ctx)
    statement = table.rows().where(table.model.id == grant_id)
    async with ctx.db() as session:
        row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound(f"{table.missing} {grant_id}")
    return GrantRow(*row)


async def save_grant(
    ctx: RequestContext,
    table: GrantTable,
    grant_id: int | None,
    group: str | None,
    permission: str | None,
    target: str | None,
) -> GrantRow:
    """Create (``grant_id`` None) or change one of the ``table``'s grants (superusers);
    None keeps a value. MissingReferences for names of no row, NameTaken when the group
    already holds that permission on that object."""
    require_superuser(ctx)
    current = None if grant_id is None else await grant_row(ctx, table, grant_id)
    group = group if group is not None else current.group if current else ""
    permission = permission if permission is not None else current.permission if current else ""
    target = target if target is not None else current.target if current else ""
    async with ctx.db() as session:
        group_id, permission_id = await table.values(session, group, permission, target)
        clash = await session.scalar(
            select(table.model.id).where(
                table.model.group_id == group_id,
                table.model.permission_id == permission_id,
                table.target == target,
            )
        )
        if clash is not None and clash != grant_id:
            raise NameTaken(table.taken)
        row = table.model() if grant_id is None else await session.get(table.model, grant_id)
        assert row is not None
        row.group_id, row.permission_id = group_id, permission_id
        setattr(row, table.target.key, target)
        session.add(row)
        try:
            await ctx.commit(session)
        except IntegrityError as exc:  # granted at the same moment
            await session.rollback()
            raise NameTaken(table.taken) from exc
        saved = row.id
    return await grant_row(ctx, table, saved)


async def delete_grant(ctx: RequestContext, table: GrantTable, grant_id: int) -> None:
    """Delete one of the ``table``'s grants (superusers); NotFound when there is none."""
    require_superuser(ctx)
    async with ctx.db() as session:
        row = await existing(session, table.model, grant_id, f"{table.missing} {grant_id}")
        await session.delete(row)
        await ctx.commit(session)


async def _device_grant_values(
    session: AsyncSession, group: str, codename: str, hostname: str
) -> tuple[int, int]:
    """The group and permission ids of a grant's names; MissingReferences (keys
    ``group``, ``permission``, ``device``) for each that names no row."""
    missing: dict[str, object] = {}
    group_id = await session.scalar(select(Group.id).where(Group.name == group))
    if group_id is None:
        missing["group"] = group
    permission_id = None
    if codename in DEVICE_PERMISSIONS:
        permission_id = (await _device_permission(session, codename)).id
    else:
        missing["permission"] = codename
    if await session.get(Device, hostname) is None:
        missing["device"] = hostname
    if missing:
        raise MissingReferences(missing)
    assert group_id is not None and permission_id is not None
    return group_id, permission_id


DEVICE_GRANTS = GrantTable(
    model=GroupDevicePermission,
    target=GroupDevicePermission.device_id,
    field_set="device_permission",
    missing="no device permission",
    taken="that group already holds that permission on that device",
    values=_device_grant_values,
)
