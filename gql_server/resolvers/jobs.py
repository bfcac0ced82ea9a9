"""Test jobs: lookups, filtered keyset lists, and the batches data loaders call."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from gql_server.db.models import (
    Device,
    DeviceType,
    Group,
    Tag,
    TestJob,
    TestJobTag,
    TestJobViewingGroup,
    User,
)
from gql_server.db.types import utcnow
from gql_server.lab.enums import DeviceHealth, JobHealth, JobState
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import NotFound, PermissionDenied
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import Condition, counted_window, where_clauses
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import device_type_visible, job_visible, visible_job_ids
from gql_server.resolvers.stored_files import FileKind, read_file

_JOB_REFERENCE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


class JobOrderField(enum.Enum):
    ID = "id"
    SUBMIT_TIME = "submit_time"
    START_TIME = "start_time"
    END_TIME = "end_time"


@dataclasses.dataclass(frozen=True)
class JobFilter:
    """What users filter jobs by. Every given condition must hold."""

    ids: Sequence[int] | None = None
    id_greater_than: int | None = None
    id_less_than: int | None = None
    states: Sequence[JobState] | None = None
    healths: Sequence[JobHealth] | None = None
    device_types: Sequence[str] | None = None
    devices: Sequence[str] | None = None
    submitters: Sequence[str] | None = None
    tags: Sequence[str] | None = None
    health_check: bool | None = None
    is_public: bool | None = None
    description_contains: str | None = None
    submitted_after: dt.datetime | None = None
    submitted_before: dt.datetime | None = None
    started_after: dt.datetime | None = None
    started_before: dt.datetime | None = None
    ended_after: dt.datetime | None = None
    ended_before: dt.datetime | None = None
    priorities: Sequence[int] | None = None
    priority_at_least: int | None = None
    priority_at_most: int | None = None
    started: bool | None = None
    ended: bool | None = None
    longer_than: dt.timedelta | None = None  # run time (to now while running); legacy doors only


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _time_range(column, after: dt.datetime | None, before: dt.datetime | None) -> list:
    clauses = []
    if after is not None:
        clauses.append(column >= after)
    if before is not None:
        clauses.append(column < before)
    return clauses


def filter_clauses(spec: JobFilter) -> list:
    """SQL conditions for a :class:`JobFilter`."""
    clauses = []
    if spec.ids is not None:
        clauses.append(TestJob.id.in_(list(spec.ids)))
    if spec.id_greater_than is not None:
        clauses.append(TestJob.id > spec.id_greater_than)
    if spec.id_less_than is not None:
        clauses.append(TestJob.id < spec.id_less_than)
    if spec.states is not None:
        clauses.append(TestJob.state.in_([int(s) for s in spec.states]))
    if spec.healths is not None:
        clauses.append(TestJob.health.in_([int(h) for h in spec.healths]))
    if spec.device_types is not None:
        clauses.append(TestJob.requested_device_type_id.in_(list(spec.device_types)))
    if spec.devices is not None:
        clauses.append(TestJob.actual_device_id.in_(list(spec.devices)))
    if spec.submitters is not None:
        submitter_ids = select(User.id).where(User.username.in_(list(spec.submitters)))
        clauses.append(TestJob.submitter_id.in_(submitter_ids))
    for tag in spec.tags or ():
        clauses.append(
            exists()
            .where(TestJobTag.testjob_id == TestJob.id, TestJobTag.tag_id == Tag.id)
            .where(Tag.name == tag)
        )
    if spec.health_check is not None:
        clauses.append(TestJob.health_check.is_(spec.health_check))
    if spec.is_public is not None:
        clauses.append(TestJob.is_public.is_(spec.is_public))
    if spec.description_contains:
        pattern = f"%{_escape_like(spec.description_contains)}%"
        clauses.append(TestJob.description.ilike(pattern, escape="\\"))
    clauses += _time_range(TestJob.submit_time, spec.submitted_after, spec.submitted_before)
    clauses += _time_range(TestJob.start_time, spec.started_after, spec.started_before)
    clauses += _time_range(TestJob.end_time, spec.ended_after, spec.ended_before)
    if spec.priorities is not None:
        clauses.append(TestJob.priority.in_(list(spec.priorities)))
    if spec.priority_at_least is not None:
        clauses.append(TestJob.priority >= spec.priority_at_least)
    if spec.priority_at_most is not None:
        clauses.append(TestJob.priority <= spec.priority_at_most)
    for column, present in ((TestJob.start_time, spec.started), (TestJob.end_time, spec.ended)):
        if present is not None:
            clauses.append(column.is_not(None) if present else column.is_(None))
    return clauses


def _duration_seconds(dialect: str) -> ColumnElement[float]:
    """A job's run time in seconds: from its start to its end, or to now while it runs."""
    end = func.coalesce(TestJob.end_time, utcnow())
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(TestJob.start_time)) * 86400.0
    return func.extract("epoch", end - TestJob.start_time)


async def visible_jobs(ctx: RequestContext) -> Select:
    """A select of the jobs the viewer may see."""
    return select(TestJob).where(await job_visible(ctx))


async def get_job(ctx: RequestContext, job_id: int) -> TestJob | None:
    """The job with this id, or None when it does not exist or is not visible."""
    statement = (await visible_jobs(ctx)).where(TestJob.id == job_id)
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_jobs(
    ctx: RequestContext,
    spec: JobFilter | None = None,
    order: JobOrderField = JobOrderField.ID,
    descending: bool = True,
    page: PageArgs = FIRST_PAGE,
) -> Page[TestJob]:
    """One page of visible jobs, newest first by default."""
    statement = (await visible_jobs(ctx)).where(*filter_clauses(spec or JobFilter()))
    column = getattr(TestJob, order.value)
    return await paginate(ctx, statement, SortKey(column, TestJob.id, descending), page)


async def jobs_by_ids(ctx: RequestContext, ids: Sequence[int]) -> dict[int, TestJob]:
    """Visible jobs by id (a data-loader batch)."""
    statement = (await visible_jobs(ctx)).where(TestJob.id.in_(list(ids)))
    async with ctx.db() as session:
        return {job.id: job for job in await session.scalars(statement)}


async def tags_by_job(ctx: RequestContext, job_ids: Sequence[int]) -> dict[int, list[Tag]]:
    """The tags each job requires (a data-loader batch)."""
    statement = (
        select(TestJobTag.testjob_id, Tag)
        .join(Tag, Tag.id == TestJobTag.tag_id)
        .where(TestJobTag.testjob_id.in_(list(job_ids)))
        .order_by(Tag.name)
    )
    grouped: dict[int, list[Tag]] = defaultdict(list)
    async with ctx.db() as session:
        for job_id, tag in await session.execute(statement):
            grouped[job_id].append(tag)
    return grouped


async def current_jobs_by_device(
    ctx: RequestContext, hostnames: Sequence[str]
) -> dict[str, TestJob]:
    """Each device's unfinished job, where the viewer may see it (a data-loader batch)."""
    statement = (await visible_jobs(ctx)).where(
        TestJob.actual_device_id.in_(list(hostnames)), TestJob.state != int(JobState.FINISHED)
    )
    async with ctx.db() as session:
        return {job.actual_device_id: job for job in await session.scalars(statement)}


async def recent_jobs_by_device(
    ctx: RequestContext, hostnames: Sequence[str], limit: int
) -> dict[str, list[TestJob]]:
    """Each device's ``limit`` newest visible jobs, in one query (a data-loader batch)."""
    visible = await job_visible(ctx)
    ranked = (
        select(
            TestJob.id,
            func.row_number()
            .over(partition_by=TestJob.actual_device_id, order_by=TestJob.id.desc())
            .label("rank"),
        )
        .where(TestJob.actual_device_id.in_(list(hostnames)), visible)
        .subquery()
    )
    statement = (
        select(TestJob)
        .join(ranked, and_(ranked.c.id == TestJob.id, ranked.c.rank <= limit))
        .order_by(TestJob.id.desc())
    )
    grouped: dict[str, list[TestJob]] = defaultdict(list)
    async with ctx.db() as session:
        for job in await session.scalars(statement):
            grouped[job.actual_device_id].append(job)
    return grouped


async def lab_has_jobs(ctx: RequestContext) -> bool:
    """Whether the database holds any job at all (used before adding demo data)."""
    async with ctx.db() as session:
        return (await session.scalar(select(TestJob.id).limit(1))) is not None


def display_id(job: TestJob) -> int | str:
    """How LAVA names a job to its users: the sub id of a multinode job, else the id."""
    return job.sub_id or job.id


async def job_by_reference(ctx: RequestContext, reference: object) -> TestJob:
    """The job a legacy client names (an id, or a multinode sub id such as ``"12.1"``).

    NotFound when there is none, PermissionDenied when the viewer may not see it (the
    legacy doors tell the two apart, as LAVA does).
    """
    statement = select(TestJob)
    text = str(reference).strip()
    if isinstance(reference, bool) or not _JOB_REFERENCE.fullmatch(text):
        raise NotFound(f"Job '{reference}' was not found.")
    if "." in text:
        statement = statement.where(TestJob.sub_id == text)
    else:
        statement = statement.where(TestJob.id == int(text))
    async with ctx.db() as session:
        job = (await session.scalars(statement)).first()
    if job is None:
        raise NotFound(f"Job '{reference}' was not found.")
    if job.id not in await visible_job_ids(ctx, [job.id]):
        username = ctx.viewer.username or "AnonymousUser"
        raise PermissionDenied(f"Job '{reference}' not available to user '{username}'.")
    return job


async def jobs_slice(
    ctx: RequestContext, spec: JobFilter | None, offset: int, limit: int
) -> list[TestJob]:
    """Visible jobs matching ``spec``, newest first, from ``offset`` (LAVA's start/limit)."""
    spec = spec or JobFilter()
    statement = (
        (await visible_jobs(ctx))
        .where(*filter_clauses(spec))
        .order_by(TestJob.id.desc())
        .offset(offset)
        .limit(limit)
    )
    async with ctx.db() as session:
        if spec.longer_than is not None:
            duration = _duration_seconds(session.get_bind().dialect.name)
            statement = statement.where(
                TestJob.start_time.is_not(None), duration > spec.longer_than.total_seconds()
            )
        return list(await session.scalars(statement))


async def viewing_group_names(ctx: RequestContext, job_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the groups allowed to view each job (empty for most), sorted."""
    statement = (
        select(TestJobViewingGroup.testjob_id, Group.name)
        .join(Group, Group.id == TestJobViewingGroup.group_id)
        .where(TestJobViewingGroup.testjob_id.in_(list(job_ids)))
        .order_by(Group.name)
    )
    names: dict[int, list[str]] = defaultdict(list)
    async with ctx.db() as session:
        for job_id, name in await session.execute(statement):
            names[job_id].append(name)
    return names


@dataclasses.dataclass(frozen=True)
class JobConfiguration:
    """The files a worker gets with a job: the definition, the device dictionary and the
    worker's environments (None for those never stored)."""

    definition: str
    device: str | None
    environment: str | None
    dut_environment: str | None


async def job_configuration(ctx: RequestContext, job: TestJob) -> JobConfiguration:
    """What the worker of a visible, started job was given."""
    device = worker = None
    if job.actual_device_id is not None:
        device = await read_file(ctx, FileKind.DEVICE_DICTIONARY, job.actual_device_id)
        async with ctx.db() as session:
            worker = await session.scalar(
                select(Device.worker_host_id).where(Device.hostname == job.actual_device_id)
            )
    return JobConfiguration(
        definition=job.definition,
        device=device,
        environment=None if worker is None else await read_file(ctx, FileKind.WORKER_ENV, worker),
        dut_environment=(
            None if worker is None else await read_file(ctx, FileKind.WORKER_ENV_DUT, worker)
        ),
    )


async def unfinished_jobs(ctx: RequestContext) -> list[TestJob]:
    """Every visible job not yet finished, newest first."""
    statement = (
        (await visible_jobs(ctx))
        .where(TestJob.state != int(JobState.FINISHED))
        .order_by(TestJob.id.desc())
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def queued_jobs_by_type(ctx: RequestContext, every_type: bool) -> dict[str, int]:
    """How many visible jobs wait in Submitted for each device type: every visible type
    with ``every_type``, else the displayed ones with a device in service, and any visible
    type that has queued jobs."""
    queued = (
        select(TestJob.requested_device_type_id, func.count())
        .where(TestJob.state == int(JobState.SUBMITTED), await job_visible(ctx))
        .where(TestJob.requested_device_type_id.is_not(None))
        .group_by(TestJob.requested_device_type_id)
    )
    types = select(DeviceType.name).where(await device_type_visible(ctx))
    if not every_type:
        in_service = exists().where(
            Device.device_type_id == DeviceType.name, Device.health != int(DeviceHealth.RETIRED)
        )
        types = types.where(DeviceType.display.is_(True), in_service)
    async with ctx.db() as session:
        counts = {name: count for name, count in await session.execute(queued)}
        names = list(await session.scalars(types.order_by(DeviceType.name)))
    return {name: counts.get(name, 0) for name in sorted({*names, *counts})}


async def recent_finished_jobs(
    ctx: RequestContext,
    count: int,
    *,
    device_type: str | None = None,
    hostname: str | None = None,
    submitter_id: int | None = None,
) -> list[TestJob]:
    """The newest finished visible jobs asking for ``device_type`` or run on ``hostname``
    (and submitted by ``submitter_id`` when given), at most ``count``."""
    statement = (await visible_jobs(ctx)).where(TestJob.state == int(JobState.FINISHED))
    if device_type is not None:
        statement = statement.where(TestJob.requested_device_type_id == device_type)
    if hostname is not None:
        statement = statement.where(TestJob.actual_device_id == hostname)
    if submitter_id is not None:
        statement = statement.where(TestJob.submitter_id == submitter_id)
    async with ctx.db() as session:
        return list(await session.scalars(statement.order_by(TestJob.id.desc()).limit(count)))


async def displayed_device_type(ctx: RequestContext, name: str) -> DeviceType | None:
    """The visible, displayed device type of this name, or None."""
    statement = select(DeviceType).where(
        DeviceType.name == name, DeviceType.display.is_(True), await device_type_visible(ctx)
    )
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def counted_jobs_window(
    ctx: RequestContext,
    conditions: Sequence[Condition],
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[TestJob]]:
    """How many visible jobs meet every one of ``conditions`` (on the ``job`` field set),
    and the ``limit`` of them from ``offset`` in ``ordering`` ((field, descending) pairs,
    then newest first; times without a value last), as LAVA's limit/offset pages need."""
    clauses = await where_clauses(ctx, FIELD_SETS, "job", conditions)
    matching = await visible_jobs(ctx)
    newest_first = [TestJob.id.desc()]
    fields = FIELD_SETS["job"]
    return await counted_window(
        ctx, matching, fields, clauses, ordering, newest_first, offset, limit
    )


@dataclasses.dataclass(frozen=True)
class JobLinks:
    """The keys a job refers to: its submitter's name, viewing group ids and tag ids."""

    submitter: str
    viewing_group_ids: list[int]
    tag_ids: list[int]


async def job_links(ctx: RequestContext, jobs: Sequence[TestJob]) -> dict[int, JobLinks]:
    """The :class:`JobLinks` of each job, in three statements for any number of jobs."""
    job_ids = [job.id for job in jobs]
    user_ids = {job.submitter_id for job in jobs}
    groups: dict[int, list[int]] = defaultdict(list)
    tags: dict[int, list[int]] = defaultdict(list)
    async with ctx.db() as session:
        names = dict(
            (await session.execute(select(User.id, User.username).where(User.id.in_(user_ids))))
            .tuples()
            .all()
        )
        for job_id, group_id in await session.execute(
            select(TestJobViewingGroup.testjob_id, TestJobViewingGroup.group_id)
            .where(TestJobViewingGroup.testjob_id.in_(job_ids))
            .order_by(TestJobViewingGroup.group_id)
        ):
            groups[job_id].append(group_id)
        for job_id, tag_id in await session.execute(
            select(TestJobTag.testjob_id, TestJobTag.tag_id)
            .where(TestJobTag.testjob_id.in_(job_ids))
            .order_by(TestJobTag.tag_id)
        ):
            tags[job_id].append(tag_id)
    return {
        job.id: JobLinks(names.get(job.submitter_id, ""), groups[job.id], tags[job.id])
        for job in jobs
    }
