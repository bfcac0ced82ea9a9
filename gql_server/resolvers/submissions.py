"""Submitting, canceling and resubmitting jobs, with LAVA's checks and texts.

All checks run before any row is written; a refused submission stores nothing. Each new
or changed job puts its ``.testjob`` event in the outbox of the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import secrets
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import (
    Alias,
    Device,
    DeviceTag,
    DeviceType,
    Group,
    Tag,
    TestJob,
    TestJobTag,
    TestJobViewingGroup,
    User,
    UserGroup,
)
from gql_server.db.types import utcnow
from gql_server.lab.definition import (
    DefinitionError,
    ValidatedJob,
    VisibilityKind,
    validate_definition,
)
from gql_server.lab.enums import DeviceHealth, JobHealth, JobState
from gql_server.lab.states import JobStatus, cancel
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import LabError, NotFound, PermissionDenied
from gql_server.resolvers.events import record_job_change
from gql_server.resolvers.jobs import get_job, job_by_reference
from gql_server.resolvers.notify_checks import check_notify
from gql_server.resolvers.permissions import (
    HiddenInventory,
    can_change_device,
    hidden_inventory,
    require_login,
    require_superuser,
)

_REFERENCE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,6})?")


class SubmissionRefused(LabError):
    """A refused submission; the message is LAVA's whole text (with its prefix)."""

    code = "BAD_USER_INPUT"


def _unavailable(text: str) -> SubmissionRefused:
    return SubmissionRefused(f"Device unavailable: {text}")


@dataclasses.dataclass(frozen=True)
class Node:
    """One job to create: its device type (None for a connection), tags and definition."""

    device_type: str | None
    tags: tuple[str, ...]
    definition: str
    original_definition: str
    sub_index: int | None


def _nodes(validated: ValidatedJob) -> list[Node]:
    if not validated.is_multinode:
        return [
            Node(
                validated.device_type,
                validated.tags,
                validated.definition,
                validated.original_definition,
                None,
            )
        ]
    return [
        Node(node.device_type, node.tags, node.definition, node.definition, node.sub_id)
        for node in validated.nodes
    ]


async def _resolve_type(
    ctx: RequestContext, session: AsyncSession, hidden: HiddenInventory, name: str
) -> str:
    aliased = await session.scalar(select(Alias.device_type_id).where(Alias.name == name))
    resolved = aliased or await session.scalar(
        select(DeviceType.name).where(DeviceType.name == name)
    )
    if resolved is None:
        raise _unavailable(f"Device type '{name}' is unavailable.")
    if resolved in hidden.device_types:
        raise _unavailable(f"Device type '{name}' is unavailable to user '{ctx.viewer.username}'")
    return resolved


async def _check_devices(
    ctx: RequestContext,
    session: AsyncSession,
    hidden: HiddenInventory,
    device_type: str,
    tags: Sequence[str],
    count: int,
) -> None:
    devices = list(
        await session.scalars(
            select(Device.hostname).where(
                Device.device_type_id == device_type,
                Device.health != int(DeviceHealth.RETIRED),
            )
        )
    )
    if not devices:
        raise _unavailable(f"No devices of type {device_type} are available.")
    usable = [hostname for hostname in devices if hostname not in hidden.devices]
    if not usable:
        raise _unavailable(
            f"No devices from {devices!r} pool are currently available to user"
            f" {ctx.viewer.username}"
        )
    if count > len(usable):
        raise _unavailable(
            f"Not enough devices of type {device_type} are currently available to user"
            f" {ctx.viewer.username}"
        )
    for tag in tags:
        if await session.scalar(select(Tag.id).where(Tag.name == tag)) is None:
            raise SubmissionRefused(
                f"Invalid job definition: Device tag '{tag}' does not exist in the database.."
            )
    if tags:
        carrying = [
            hostname
            for hostname in usable
            if set(tags)
            <= set(
                await session.scalars(
                    select(Tag.name)
                    .join(DeviceTag, DeviceTag.tag_id == Tag.id)
                    .where(DeviceTag.device_id == hostname)
                )
            )
        ]
        if len(carrying) < max(count, 1):
            raise _unavailable(
                f"No devices of type {device_type} are available which have all of the tags"
                f" '{', '.join(tags)}'."
            )


async def _check_notify(session: AsyncSession, validated: ValidatedJob) -> None:
    """Refuse a notify block naming unknown users, bad addresses or a bad query."""
    try:
        await check_notify(session, validated.notify)
    except DefinitionError as exc:
        raise SubmissionRefused(str(exc)) from exc


async def _viewing_groups(
    ctx: RequestContext, session: AsyncSession, validated: ValidatedJob
) -> list[int]:
    visibility = validated.visibility
    if visibility.kind is VisibilityKind.PUBLIC:
        return []
    if visibility.kind is VisibilityKind.PERSONAL:
        return []
    names = list(visibility.groups or ())
    found = list(await session.scalars(select(Group.id).where(Group.name.in_(names))))
    if visibility.groups is not None and not found:
        raise SubmissionRefused(
            "Problem with submitted job data: No known groups were found in the visibility list."
        )
    return found


async def submit_job(ctx: RequestContext, definition: str) -> list[TestJob]:
    """Validate and store a job definition: one job, or one per node of a multinode group."""
    require_login(ctx)
    try:
        # Validation of a large definition takes a while: keep the event loop free.
        validated = await asyncio.to_thread(validate_definition, definition)
    except DefinitionError as exc:
        raise SubmissionRefused(str(exc)) from exc
    nodes = _nodes(validated)
    hidden = await hidden_inventory(ctx)
    async with ctx.db() as session:
        await _check_notify(session, validated)
        types: list[str | None] = []
        for node in nodes:
            if node.device_type is None:
                types.append(None)
                continue
            resolved = await _resolve_type(ctx, session, hidden, node.device_type)
            count = sum(1 for other in nodes if other.device_type == node.device_type)
            await _check_devices(ctx, session, hidden, resolved, node.tags, count)
            types.append(resolved)
        groups = await _viewing_groups(ctx, session, validated)
        jobs = await _create(ctx, session, validated, nodes, types, groups)
        await ctx.commit(session)
    return jobs


async def _create(
    ctx: RequestContext,
    session: AsyncSession,
    validated: ValidatedJob,
    nodes: list[Node],
    types: list[str | None],
    groups: list[int],
) -> list[TestJob]:
    now = utcnow()
    jobs: list[TestJob] = []
    for node, device_type in zip(nodes, types, strict=True):
        job = TestJob(
            description=validated.job_name,
            is_public=validated.visibility.kind is VisibilityKind.PUBLIC,
            target_group=validated.target_group,
            submitter_id=ctx.viewer.user_id,
            requested_device_type_id=device_type,
            submit_time=now,
            state=int(JobState.SUBMITTED),
            health=int(JobHealth.UNKNOWN),
            priority=validated.priority,
            definition=node.definition,
            original_definition=node.original_definition,
            multinode_definition=validated.multinode_definition,
            queue_timeout=validated.queue_timeout,
            token=secrets.token_hex(16),
            metadata_=validated.metadata,
            sub_id="",
        )
        session.add(job)
        await session.flush()
        if node.sub_index is not None:
            job.sub_id = f"{(jobs[0] if jobs else job).id}.{node.sub_index}"
        jobs.append(job)
        tag_ids = await session.scalars(select(Tag.id).where(Tag.name.in_(list(node.tags))))
        session.add_all(TestJobTag(testjob_id=job.id, tag_id=tag_id) for tag_id in tag_ids)
        session.add_all(TestJobViewingGroup(testjob_id=job.id, group_id=g) for g in groups)
    if validated.visibility.kind is VisibilityKind.PERSONAL:
        await _personal_group(ctx, session, jobs)
    await session.flush()
    for job in jobs:
        await record_job_change(ctx, session, job)
    return jobs


async def _personal_group(ctx: RequestContext, session: AsyncSession, jobs: list[TestJob]) -> None:
    """LAVA's ``personal``: a viewing group named after the submitter, made if missing."""
    name = ctx.viewer.username
    group = (await session.scalars(select(Group).where(Group.name == name))).first()
    if group is None:
        group = Group(name=name)
        session.add(group)
        await session.flush()
        session.add(UserGroup(user_id=ctx.viewer.user_id, group_id=group.id))
    session.add_all(TestJobViewingGroup(testjob_id=job.id, group_id=group.id) for job in jobs)


async def _may_change(ctx: RequestContext, job: TestJob) -> bool:
    viewer = ctx.viewer
    if viewer.user_id == job.submitter_id or viewer.has_global("change_testjob"):
        return True
    if job.actual_device_id is not None:
        async with ctx.db() as session:
            device_type = await session.scalar(
                select(Device.device_type_id).where(Device.hostname == job.actual_device_id)
            )
        return await can_change_device(ctx, job.actual_device_id, device_type or "")
    return viewer.has_global("change_devicetype")


async def cancel_job(ctx: RequestContext, job_id: int) -> list[TestJob]:
    """Cancel a job (and the rest of its multinode group); returns the jobs changed."""
    require_login(ctx)
    job = await get_job(ctx, job_id)
    if job is None:
        raise NotFound(f"Job '{job_id}' was not found.")
    if not await _may_change(ctx, job):
        raise PermissionDenied(f"Permission denied for user to job {job_id}")
    async with ctx.db() as session:
        group = [job]
        if job.target_group:
            group = list(
                await session.scalars(
                    select(TestJob)
                    .where(TestJob.target_group == job.target_group)
                    .order_by(TestJob.id)
                )
            )
        now = utcnow()
        changed = []
        for member in group:
            status = JobStatus(
                JobState(member.state), JobHealth(member.health), member.start_time, member.end_time
            )
            after = cancel(status, now)
            if after is None:
                continue
            member.state, member.health = int(after.state), int(after.health)
            member.start_time, member.end_time = after.start_time, after.end_time
            changed.append(member)
        if not changed:
            raise SubmissionRefused(f"Job '{job_id}' is not in a cancelable state.")
        for member in changed:
            await record_job_change(ctx, session, member)
        await ctx.commit(session)
    return changed


async def resubmit_job(ctx: RequestContext, job_id: int) -> list[TestJob]:
    """Submit again the definition of a job the viewer may see."""
    job = await get_job(ctx, job_id)
    if job is None:
        raise NotFound(f"Job '{job_id}' was not found.")
    definition = job.multinode_definition or job.definition
    return await submit_job(ctx, definition)


async def check_definition(definition: str, strict: bool) -> DefinitionError | None:
    """Why a definition would be refused (with the stricter dispatcher rules when
    ``strict``), or None when it is valid. Nothing is stored."""
    try:
        await asyncio.to_thread(validate_definition, definition, strict=strict)
    except DefinitionError as exc:
        return exc
    return None


@dataclasses.dataclass(frozen=True)
class BatchCancel:
    """What a batch cancel did: the references it handled (canceled, or already done),
    and those that name no job the viewer may see."""

    handled: list[object]
    invalid: list[object]


async def cancel_jobs(ctx: RequestContext, references: Sequence[object]) -> BatchCancel:
    """Cancel each job named (an id or a multinode sub id), as ``cancel_job`` does.

    Jobs that do not exist or that the viewer may not see are reported as invalid, so the
    answer tells nothing of hidden jobs. Every right is checked before anything changes:
    PermissionDenied when the viewer may not cancel one of the unfinished jobs named.
    Jobs already canceling or finished are left as they are.
    """
    require_login(ctx)
    found: list[tuple[object, TestJob]] = []
    invalid: list[object] = []
    for reference in references:
        if not _referable(reference):
            invalid.append(reference)
            continue
        try:
            found.append((reference, await job_by_reference(ctx, reference)))
        except (NotFound, PermissionDenied):
            invalid.append(reference)
    pending = [job for _reference, job in found if not _is_over(job)]
    for job in pending:
        if not await _may_change(ctx, job):
            raise PermissionDenied(f"Permission denied for user to job {job.id}")
    for job in pending:
        # Refused when canceled meanwhile, or along with an earlier job of its group.
        with contextlib.suppress(SubmissionRefused):
            await cancel_job(ctx, job.id)
    return BatchCancel([reference for reference, _job in found], invalid)


def _referable(reference: object) -> bool:
    """Whether a reference is an id or sub id a job could have (ids are 32-bit)."""
    if isinstance(reference, bool) or not isinstance(reference, int | str):
        return False
    text = str(reference).strip()
    return _REFERENCE.fullmatch(text) is not None and int(text.split(".")[0]) < 2**31


def _is_over(job: TestJob) -> bool:
    return JobState(job.state) in (JobState.CANCELING, JobState.FINISHED)


async def job_for_superuser(ctx: RequestContext, job_id: int) -> TestJob:
    """The job with this id, for a superuser about to change it: Unauthenticated or
    PermissionDenied for anyone else, NotFound when there is none."""
    require_superuser(ctx)
    job = await get_job(ctx, job_id)
    if job is None:
        raise NotFound(f"Job '{job_id}' was not found.")
    return job


def _wanted_groups(validated: ValidatedJob, submitter: str) -> set[str]:
    visibility = validated.visibility
    if visibility.kind is VisibilityKind.PERSONAL:
        return {submitter}
    return set(visibility.groups or ())


async def change_definition(ctx: RequestContext, job_id: int, definition: str) -> TestJob:
    """Replace the definition of a queued single-node job (superusers only).

    The new definition must be valid and must ask for what the job was scheduled by: the
    same device type, tags and visibility (to change those, cancel and submit again).
    Its name, priority, queue timeout and metadata follow the new definition.
    """
    job = await job_for_superuser(ctx, job_id)
    if job.multinode_definition or JobState(job.state) is not JobState.SUBMITTED:
        raise SubmissionRefused("Only the definition of a queued single-node job can be changed.")
    try:
        validated = await asyncio.to_thread(validate_definition, definition)
    except DefinitionError as exc:
        raise SubmissionRefused(str(exc)) from exc
    if validated.is_multinode:
        raise SubmissionRefused("A single-node job cannot become a multinode one.")
    async with ctx.db() as session:
        await _check_notify(session, validated)
        device_type = await _resolve_type(ctx, session, HiddenInventory(), validated.device_type)
        tags = set(
            await session.scalars(
                select(Tag.name)
                .join(TestJobTag, TestJobTag.tag_id == Tag.id)
                .where(TestJobTag.testjob_id == job.id)
            )
        )
        groups = set(
            await session.scalars(
                select(Group.name)
                .join(TestJobViewingGroup, TestJobViewingGroup.group_id == Group.id)
                .where(TestJobViewingGroup.testjob_id == job.id)
            )
        )
        submitter = await session.scalar(select(User.username).where(User.id == job.submitter_id))
        public = validated.visibility.kind is VisibilityKind.PUBLIC
        same = (
            device_type == job.requested_device_type_id
            and set(validated.tags) == tags
            and public == job.is_public
            and _wanted_groups(validated, submitter or "") == groups
        )
        if not same:
            raise SubmissionRefused(
                "The definition must keep the job's device type, tags and visibility:"
                " cancel the job and submit the new definition instead."
            )
        job.definition = validated.definition
        job.original_definition = validated.original_definition
        job.description = validated.job_name
        job.priority = validated.priority
        job.queue_timeout = validated.queue_timeout
        job.metadata_ = validated.metadata
        session.add(job)
        await ctx.commit(session)
    return job


async def delete_job(ctx: RequestContext, job_id: int) -> None:
    """Delete a job with its results and log (superusers only). Only a finished job, or a
    queued single-node one, can be deleted: a job on a device must be canceled first."""
    job = await job_for_superuser(ctx, job_id)
    state = JobState(job.state)
    queued_alone = state is JobState.SUBMITTED and not job.multinode_definition
    if state is not JobState.FINISHED and not queued_alone:
        raise SubmissionRefused(
            f"Job {job_id} is {state.display}: cancel it, and delete it once it has finished."
        )
    async with ctx.db() as session:
        await session.execute(delete(TestJob).where(TestJob.id == job_id))
        await ctx.commit(session)
