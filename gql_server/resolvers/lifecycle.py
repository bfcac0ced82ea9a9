"""The scheduler's and the workers' side of a job's life: placing it on a device, running
it, finishing it with results and a log. Each change emits its events in the same
transaction. Used by the demo lab's simulator; acting as the lab, the caller must be a
superuser."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import (
    Device,
    DeviceType,
    JobLog,
    TestCase,
    TestJob,
    TestSuite,
    User,
    Worker,
)
from gql_server.db.types import utcnow
from gql_server.events.wire import test_shell_event, worker_event
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    TestResult,
    WorkerHealth,
    WorkerState,
)
from gql_server.lab.states import JobStatus, advance, device_state_for
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.devices import record_device_change
from gql_server.resolvers.errors import NotFound, PermissionDenied
from gql_server.resolvers.events import record_event, record_job_change

SCHEDULABLE_HEALTH = (int(DeviceHealth.GOOD), int(DeviceHealth.UNKNOWN))


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """One test case as a worker reports it."""

    name: str
    result: TestResult
    measurement: str | None = None
    units: str = ""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: its health, suites of cases, and its log lines."""

    health: JobHealth
    suites: dict[str, list[CaseResult]]
    log: str
    failure_comment: str | None = None


def _require_lab(ctx: RequestContext) -> None:
    if not ctx.viewer.is_superuser:
        raise PermissionDenied("only the lab itself may move jobs through their states")


async def queued_jobs(ctx: RequestContext, limit: int = 100) -> list[TestJob]:
    """Submitted jobs in LAVA's scheduling order: priority, then age."""
    _require_lab(ctx)
    statement = (
        select(TestJob)
        .where(TestJob.state == int(JobState.SUBMITTED))
        .order_by(TestJob.priority.desc(), TestJob.submit_time, TestJob.id)
        .limit(limit)
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def jobs_in(ctx: RequestContext, states: Sequence[JobState]) -> list[TestJob]:
    """Every job in one of ``states`` (the lab's working set: few rows)."""
    _require_lab(ctx)
    statement = select(TestJob).where(TestJob.state.in_([int(s) for s in states]))
    async with ctx.db() as session:
        return list(await session.scalars(statement.order_by(TestJob.id)))


async def idle_devices(ctx: RequestContext) -> list[Device]:
    """Devices that may take a job now: idle, healthy, on an online active worker."""
    _require_lab(ctx)
    statement = (
        select(Device)
        .join(Worker, Worker.hostname == Device.worker_host_id)
        .join(DeviceType, DeviceType.name == Device.device_type_id)
        .where(
            Device.state == int(DeviceState.IDLE),
            Device.health.in_(SCHEDULABLE_HEALTH),
            Worker.state == int(WorkerState.ONLINE),
            Worker.health == int(WorkerHealth.ACTIVE),
            DeviceType.display.is_(True),
        )
        .order_by(Device.hostname)
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def bring_workers_online(ctx: RequestContext) -> list[Worker]:
    """Mark every active worker online, as their first ping would."""
    _require_lab(ctx)
    async with ctx.db() as session:
        workers = list(
            await session.scalars(
                select(Worker).where(
                    Worker.state != int(WorkerState.ONLINE),
                    Worker.health != int(WorkerHealth.RETIRED),
                )
            )
        )
        for worker in workers:
            worker.state = int(WorkerState.ONLINE)
            worker.last_ping = utcnow()
            record_event(
                session, worker_event(worker, timestamp=utcnow(), topic_prefix=ctx.topic_prefix)
            )
        await ctx.commit(session)
    return workers


async def _job_and_device(session: AsyncSession, job_id: int) -> tuple[TestJob, Device | None]:
    job = await session.get(TestJob, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    device = await session.get(Device, job.actual_device_id) if job.actual_device_id else None
    return job, device


def _display_id(job: TestJob) -> int | str:
    return job.sub_id or job.id


async def _move(
    ctx: RequestContext,
    session: AsyncSession,
    job: TestJob,
    device: Device | None,
    target: JobState,
    health: JobHealth = JobHealth.UNKNOWN,
) -> bool:
    status = JobStatus(JobState(job.state), JobHealth(job.health), job.start_time, job.end_time)
    after = advance(status, target, utcnow(), health)
    if after is None:
        return False
    job.state, job.health = int(after.state), int(after.health)
    job.start_time, job.end_time = after.start_time, after.end_time
    await record_job_change(ctx, session, job)
    device_state = device_state_for(after.state)
    if device is not None and device_state is not None and device.state != int(device_state):
        device.state = int(device_state)
        finished = after.state is JobState.FINISHED
        record_device_change(ctx, session, device, None if finished else _display_id(job))
    return True


async def schedule_job(ctx: RequestContext, job_id: int, hostname: str) -> TestJob:
    """Place a queued job on a device, which becomes Reserved."""
    _require_lab(ctx)
    async with ctx.db() as session:
        job = await session.get(TestJob, job_id)
        device = await session.get(Device, hostname)
        if job is None or device is None:
            raise NotFound(f"no job {job_id} or no device {hostname!r}")
        job.actual_device_id = hostname
        target = JobState.SCHEDULING if job.target_group else JobState.SCHEDULED
        await _move(ctx, session, job, device, target)
        await ctx.commit(session)
        return job


async def start_job(ctx: RequestContext, job_id: int) -> TestJob:
    """A worker starts a job: Scheduling or Scheduled to Running."""
    _require_lab(ctx)
    async with ctx.db() as session:
        job, device = await _job_and_device(session, job_id)
        await _move(ctx, session, job, device, JobState.RUNNING)
        await ctx.commit(session)
        return job


async def record_test_shell_event(ctx: RequestContext, job_id: int, message: str) -> None:
    """A test shell ran ``lava-test-event``."""
    _require_lab(ctx)
    async with ctx.db() as session:
        record_event(
            session,
            test_shell_event(job_id, message, timestamp=utcnow(), topic_prefix=ctx.topic_prefix),
            job_id=job_id,
        )
        await ctx.commit(session)


def _health_after_check(device: Device, health: JobHealth) -> int | None:
    if device.health not in (DeviceHealth.GOOD, DeviceHealth.UNKNOWN, DeviceHealth.BAD):
        return None
    return int(DeviceHealth.GOOD if health is JobHealth.COMPLETE else DeviceHealth.BAD)


async def _suite(session: AsyncSession, job_id: int, name: str) -> TestSuite:
    """The job's suite of that name; results of a running job may already be there."""
    suite = (
        await session.scalars(
            select(TestSuite).where(TestSuite.job_id == job_id, TestSuite.name == name)
        )
    ).first()
    if suite is None:
        suite = TestSuite(job_id=job_id, name=name)
        session.add(suite)
        await session.flush()
    return suite


async def finish_job(ctx: RequestContext, job_id: int, outcome: Outcome) -> TestJob:
    """A worker reports the end of a job, with its results and log."""
    _require_lab(ctx)
    async with ctx.db() as session:
        job, device = await _job_and_device(session, job_id)
        job.failure_comment = outcome.failure_comment
        if not await _move(ctx, session, job, device, JobState.FINISHED, outcome.health):
            return job
        logged = job.end_time
        for name, cases in outcome.suites.items():
            suite = await _suite(session, job.id, name)
            session.add_all(
                TestCase(
                    suite_id=suite.id,
                    name=case.name,
                    result=int(case.result),
                    measurement=case.measurement,
                    units=case.units,
                    logged=logged,
                )
                for case in cases
            )
        log = await session.get(JobLog, job.id)
        if log is None:
            session.add(JobLog(job_id=job.id, content=outcome.log))
        else:
            log.content += outcome.log
        if job.health_check and device is not None:
            device.last_health_report_job_id = job.id
            new_health = _health_after_check(device, JobHealth(job.health))
            if new_health is not None and new_health != device.health:
                device.health = new_health
                record_device_change(ctx, session, device, None)
        await ctx.commit(session)
        return job


async def create_health_check(ctx: RequestContext, hostname: str, definition: str) -> TestJob:
    """The scheduler's health check: made directly Scheduled on its device by lava-health."""
    _require_lab(ctx)
    async with ctx.db() as session:
        device = await session.get(Device, hostname)
        health_user = await session.scalar(select(User).where(User.username == "lava-health"))
        if device is None or health_user is None:
            raise NotFound(f"no device {hostname!r} or no lava-health user")
        job = TestJob(
            description=f"{device.device_type_id}-health",
            health_check=True,
            submitter_id=health_user.id,
            requested_device_type_id=device.device_type_id,
            actual_device_id=hostname,
            submit_time=utcnow(),
            definition=definition,
            original_definition=definition,
        )
        session.add(job)
        await session.flush()
        await _move(ctx, session, job, device, JobState.SCHEDULED)
        await ctx.commit(session)
        return job
