"""A job's notify block as the lab sees it: queued for evaluation with the job's change of
state, then read into a :class:`~gql_server.notify.plan.Firing` by the notifier.

The evaluation reads the lab as the lab itself (a superuser context), except for the
queries the block names (``dependency_query``, ``compare.query``) and the previous job of
a regression or progression, which run as the submitter: a notification never tells of a
job its submitter may not see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import Device, TestCase, TestJob, TestSuite, User
from gql_server.exports.render import collect, render_batches
from gql_server.exports.yaml_layouts import CasesYaml
from gql_server.lab.definition import notify_block
from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.notify.comparison import QUERY_LIMIT, conditions_text, query_link, reference_job
from gql_server.notify.criteria import (
    callbacks_of,
    previous_health,
    recipients_of,
    should_notify,
    state_at,
)
from gql_server.notify.email_text import Addressee, CompareFacts
from gql_server.notify.facts import (
    CaseFacts,
    DeviceFacts,
    JobError,
    JobFacts,
    ListedJob,
    SuiteFacts,
)
from gql_server.notify.plan import Callback, Firing, Recipient
from gql_server.notify.queue import CRITERIA, enqueue
from gql_server.resolvers.callback_secrets import irc_profile, resolve_callback_token
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.permissions import job_visible
from gql_server.resolvers.results import (
    conditions_clauses,
    get_job_log,
    job_errors,
    parse_conditions,
    suite_case_batches,
    suite_row_batches,
)
from gql_server.resolvers.users import load_viewer

EVENTS = {JobState.RUNNING: "running", JobState.FINISHED: "finished"}
"""The states whose entry evaluates a notify block, and the event name each fires."""
DEPENDENCY_LIMIT = 1000
"""How many jobs of a ``dependency_query`` are checked (the newest)."""


async def queue_notify_evaluation(session: AsyncSession, job: TestJob) -> None:
    """Queue, in the job change's transaction, the evaluation of the job's notify block
    if the job has just entered Running or Finished and its definition may hold one."""
    event = EVENTS.get(JobState(job.state))
    if event is None or "notify" not in job.definition:
        return
    message = {"job": job.id, "state": job.state, "health": job.health}
    await enqueue(session, job_id=job.id, event=event, kind=CRITERIA, target="", message=message)


async def firing_of(
    ctx: RequestContext,
    job_id: int,
    state: JobState,
    health: JobHealth,
    *,
    url_prefix: str,
    irc_server: str | None = None,
) -> Firing | None:
    """What the job's notify block sends for its entry into ``state``/``health``, or
    ``None`` when the job is gone, holds no block, or its criteria do not hold.

    ``url_prefix`` starts the links of the texts; ``irc_server`` is the server of IRC
    recipients that name none. Raises :class:`~gql_server.resolvers.errors.BadInput` or
    ``MalformedConditions`` for a ``dependency_query`` that cannot be read.
    """
    async with ctx.db() as session:
        job = await session.get(TestJob, job_id)
        notify = None if job is None else notify_block(job.definition)
        if job is None or notify is None:
            return None
        submitter = await session.get(User, job.submitter_id)
        device = await session.get(Device, job.actual_device_id) if job.actual_device_id else None
    if submitter is None:  # deleted with the job's row still there: nobody to speak for
        return None
    as_submitter = RequestContext(ctx.sessions, await load_viewer(ctx, submitter), ctx.changes)
    try:
        criteria = notify["criteria"]
        wanted = criteria.get("type") or notify.get("verbosity") == "verbose"
        compared = await _compared_jobs(as_submitter, notify) if wanted else None
        moment = job.end_time if state is JobState.FINISHED else job.start_time
        dependencies = await _dependencies(as_submitter, job, criteria, moment)
        previous = None
        if criteria.get("type"):
            candidates = compared if compared is not None else await _same_kind(as_submitter, job)
            previous = previous_health(candidates, job.id)
    finally:
        await as_submitter.close()
    if not should_notify(notify, state, health, previous=previous, dependencies=dependencies):
        return None
    facts = await _job_facts(ctx, job, submitter, device, state, health, url_prefix)
    return await _firing(ctx, notify, facts, submitter, compared, irc_server)


async def _firing(
    ctx: RequestContext,
    notify: Mapping[str, Any],
    job: JobFacts,
    submitter: User,
    compared: Sequence[ListedJob] | None,
    irc_server: str | None,
) -> Firing:
    recipients = await _recipients(ctx, notify, job, irc_server)
    callbacks = await _callbacks(ctx, notify, submitter.id)
    verbosity = notify.get("verbosity", "quiet")
    compare = notify.get("compare") or {}
    verbose = (
        verbosity == "verbose"
        and job.state is JobState.FINISHED
        and any(r.method == "email" and r.address for r in recipients)
    )
    datasets = {callback.spec.dataset for callback in callbacks if callback.spec.method == "POST"}
    return Firing(
        event=EVENTS[job.state],
        job=job,
        verbosity=verbosity,
        callbacks=callbacks,
        recipients=recipients,
        suites=await _suites(ctx, job.id) if verbose else (),
        blacklist=tuple(compare.get("blacklist", ())),
        compare=await _compare_facts(ctx, compare, compared, job.id) if verbose else None,
        log=await get_job_log(ctx, job.id) if datasets & {"logs", "all"} else None,
        results=await _results(ctx, job.id) if datasets & {"results", "all"} else None,
    )


async def _job_facts(
    ctx: RequestContext,
    job: TestJob,
    submitter: User,
    device: Device | None,
    state: JobState,
    health: JobHealth,
    url_prefix: str,
) -> JobFacts:
    error = None
    if health is JobHealth.INCOMPLETE:
        found = (await job_errors(ctx, [job.id])).get(job.id)
        if found is not None and (found.kind or found.message):
            error = JobError(found.kind or "", found.message or "")
    return JobFacts(
        id=job.id,
        description=job.description or "",
        state=state,
        health=health,
        submitter=submitter.username,
        submit_time=job.submit_time,
        url_prefix=url_prefix.rstrip("/"),
        sub_id=job.sub_id,
        submitter_email=submitter.email,
        priority=job.priority,
        start_time=job.start_time,
        end_time=job.end_time if state is JobState.FINISHED else None,
        requested_device_type=job.requested_device_type_id,
        device=await _device_facts(ctx, device),
        failure_comment=job.failure_comment,
        error=error,
        definition=job.definition,
        metadata=job.metadata_ or {},
        health_check=job.health_check,
    )


async def _device_facts(ctx: RequestContext, device: Device | None) -> DeviceFacts | None:
    if device is None:
        return None
    owner = None
    if device.physical_owner_id is not None:
        async with ctx.db() as session:
            owner = await session.scalar(
                select(User.username).where(User.id == device.physical_owner_id)
            )
    return DeviceFacts(device.hostname, device.device_type_id, owner, device.worker_host_id)


def _listed(rows: Sequence[Any]) -> list[ListedJob]:
    return [
        ListedJob(row.id, JobState(row.state), JobHealth(row.health), row.sub_id) for row in rows
    ]


def _listing_columns() -> Any:
    return select(TestJob.id, TestJob.state, TestJob.health, TestJob.sub_id)


async def _compared_jobs(ctx: RequestContext, notify: Mapping[str, Any]) -> list[ListedJob] | None:
    """The jobs of ``compare.query`` the submitter may see, newest first (``None``: the
    block names no query). A saved query is never held here, so it selects nothing."""
    query = (notify.get("compare") or {}).get("query")
    if query is None:
        return None
    if "entity" not in query:
        return []
    conditions = parse_conditions("testjob", conditions_text(query))
    statement = (
        _listing_columns()
        .where(await job_visible(ctx), *conditions_clauses("testjob", conditions))
        .order_by(TestJob.id.desc())
        .limit(QUERY_LIMIT)
    )
    async with ctx.db() as session:
        return _listed((await session.execute(statement)).all())


async def _same_kind(ctx: RequestContext, job: TestJob) -> list[ListedJob]:
    """The newest earlier finished Complete or Incomplete job with the same description,
    device type and submitter (decisions.md §10)."""
    statement = (
        _listing_columns()
        .where(
            TestJob.id < job.id,
            TestJob.submitter_id == job.submitter_id,
            TestJob.description.is_not_distinct_from(job.description),
            TestJob.requested_device_type_id.is_not_distinct_from(job.requested_device_type_id),
            TestJob.state == int(JobState.FINISHED),
            TestJob.health.in_([int(JobHealth.COMPLETE), int(JobHealth.INCOMPLETE)]),
            await job_visible(ctx),
        )
        .order_by(TestJob.id.desc())
        .limit(1)
    )
    async with ctx.db() as session:
        return _listed((await session.execute(statement)).all())


async def _dependencies(
    ctx: RequestContext, job: TestJob, criteria: Mapping[str, Any], moment: dt.datetime | None
) -> list[tuple[JobState, JobHealth]]:
    """The (state, health), as at ``moment``, of the jobs ``criteria.dependency_query``
    selects, this one excluded."""
    text = criteria.get("dependency_query")
    if not text or criteria["status"] == "all":
        return []
    conditions = parse_conditions("testjob", str(text))
    statement = (
        select(TestJob.state, TestJob.health, TestJob.start_time, TestJob.end_time)
        .where(
            TestJob.id != job.id,
            await job_visible(ctx),
            *conditions_clauses("testjob", conditions),
        )
        .order_by(TestJob.id.desc())
        .limit(DEPENDENCY_LIMIT)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
    if moment is None:
        return [(JobState(state), JobHealth(health)) for state, health, _, _ in rows]
    return [
        state_at(moment, JobState(state), JobHealth(health), start, end)
        for state, health, start, end in rows
    ]


async def _recipients(
    ctx: RequestContext, notify: Mapping[str, Any], job: JobFacts, irc_server: str | None
) -> tuple[Recipient, ...]:
    owner = job.device.owner if job.device else None
    specs = recipients_of(notify, job.submitter, owner)
    names = sorted({spec.user for spec in specs if spec.user})
    async with ctx.db() as session:
        users = {
            user.username: user
            for user in await session.scalars(select(User).where(User.username.in_(names)))
        }
        recipients = []
        for spec in specs:
            user = users.get(spec.user) if spec.user else None
            addressee = Addressee(user.first_name, user.last_name) if user else None
            name = spec.user or spec.email or spec.handle or ""
            if spec.method == "email":
                address = spec.email or (user.email if user else None)
                recipients.append(Recipient("email", name, address=address, addressee=addressee))
                continue
            handle, server = spec.handle, spec.server
            if user is not None and not (handle and server):
                profile_handle, profile_server = await irc_profile(session, user.id)
                handle, server = handle or profile_handle, server or profile_server
            recipients.append(Recipient("irc", name, handle=handle, server=server or irc_server))
    return tuple(recipients)


async def _callbacks(
    ctx: RequestContext, notify: Mapping[str, Any], submitter_id: int
) -> tuple[Callback, ...]:
    callbacks = []
    async with ctx.db() as session:
        for spec in callbacks_of(notify):
            secret = None
            if spec.token is not None:
                secret = await resolve_callback_token(session, submitter_id, str(spec.token))
            callbacks.append(Callback(spec, secret))
    return tuple(callbacks)


async def _suites(ctx: RequestContext, job_id: int) -> tuple[SuiteFacts, ...]:
    """The job's results, suite by suite, cases in the order they were recorded."""
    statement = (
        select(
            TestSuite.id,
            TestSuite.name,
            TestCase.id,
            TestCase.name,
            TestCase.result,
            TestCase.measurement,
            TestCase.units,
        )
        .join(TestCase, TestCase.suite_id == TestSuite.id, isouter=True)
        .where(TestSuite.job_id == job_id)
        .order_by(TestSuite.id, TestCase.id)
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
    suites: dict[int, tuple[str, list[CaseFacts]]] = {}
    for suite_id, suite_name, case_id, name, result, measurement, units in rows:
        cases = suites.setdefault(suite_id, (suite_name, []))[1]
        if case_id is not None:
            value = None if measurement is None else Decimal(str(measurement))
            cases.append(CaseFacts(case_id, name, TestResult(result), value, units or ""))
    return tuple(SuiteFacts(name, tuple(cases)) for name, cases in suites.values())


async def _compare_facts(
    ctx: RequestContext,
    compare: Mapping[str, Any],
    compared: Sequence[ListedJob] | None,
    job_id: int,
) -> CompareFacts | None:
    query = compare.get("query")
    if query is None or compared is None:
        return None
    reference = reference_job(compared, job_id)
    suites = await _suites(ctx, reference.id) if reference is not None else ()
    return CompareFacts(query_link(query), tuple(compared), suites)


async def _results(ctx: RequestContext, job_id: int) -> dict[str, str]:
    """Each suite's name and its cases as YAML (LAVA's ``results`` dataset)."""
    return {
        suite.name: await collect(render_batches(CasesYaml(), suite_case_batches(ctx, suite.id)))
        async for batch in suite_row_batches(ctx, job_id)
        for suite in batch
    }
