"""``scheduler.jobs.*``: submit, follow, cancel and list test jobs."""

from __future__ import annotations

import datetime as dt
import re
import xmlrpc.client
from typing import Any

from gql_server.db.models import TestJob
from gql_server.lab.enums import JobHealth, JobState
from gql_server.resolvers import jobs as job_resolvers
from gql_server.resolvers import results, submissions, users
from gql_server.resolvers.errors import PermissionDenied
from gql_server.resolvers.jobs import JobFilter, display_id, job_by_reference
from xmlrpc_compat.methods import Call, Fault, read_only
from xmlrpc_compat.wire import lava_time_text

NAMESPACE = "scheduler.jobs"
API_CLASS = "SchedulerJobsAPI"
MAX_PAGE = 100
_WHERE = re.compile(r" @ data(\[[^\]]*\])+$")
NO_LOG = b"[]"


def submitted(jobs: list[TestJob]) -> int | list[str]:
    """What a submission answers: the id of a single job, the sub ids of a multinode one."""
    if len(jobs) == 1 and not jobs[0].sub_id:
        return jobs[0].id
    return [job.sub_id for job in jobs]


async def submit(call: Call, definition: Any) -> int | list[str]:
    """Name
    ----
    `scheduler.jobs.submit` (`definition`)

    Submit a job definition (YAML, as a string). Returns the new job's id, or for a
    multinode definition the list of the sub ids of its jobs ("12.0", "12.1"...).
    Requires authentication.
    """
    call.require_login()
    if not isinstance(definition, str):
        raise Fault(400, "Problem with submitted job data: the definition must be a string")
    return submitted(await submissions.submit_job(call.ctx, definition))


async def resubmit(call: Call, job_id: Any) -> int | list[str]:
    """Name
    ----
    `scheduler.jobs.resubmit` (`job_id`)

    Submit again the definition of a job you may see (a multinode job's whole group).
    Returns as `scheduler.jobs.submit` does.
    """
    call.require_login()
    job = await job_by_reference(call.ctx, job_id)
    return submitted(await submissions.resubmit_job(call.ctx, job.id))


async def cancel(call: Call, job_id: Any) -> bool:
    """Name
    ----
    `scheduler.jobs.cancel` (`job_id`)

    Cancel a job (every job of its multinode group). Allowed to its submitter and to
    those who may change its device or device type. Returns true, also for a job that
    already finished.
    """
    call.require_login()
    if not job_id:
        raise Fault(400, "Bad request: TestJob id was not specified.")
    job = await job_by_reference(call.ctx, job_id)
    if JobState(job.state) in (JobState.CANCELING, JobState.FINISHED):
        return True
    try:
        await submissions.cancel_job(call.ctx, job.id)
    except PermissionDenied as exc:
        raise Fault(403, "Permission denied.") from exc
    return True


@read_only
async def show(call: Call, job_id: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.jobs.show` (`job_id`)

    A job's description, device and device type, state and health, submitter, times
    (UTC), required tags, visibility and failure comment.
    """
    job = await job_by_reference(call.ctx, job_id)
    submitter = (await users.users_by_id(call.ctx, [job.submitter_id]))[job.submitter_id]
    tags = (await job_resolvers.tags_by_job(call.ctx, [job.id])).get(job.id, [])
    groups = (await job_resolvers.viewing_group_names(call.ctx, [job.id])).get(job.id, [])
    error = (await results.job_errors(call.ctx, [job.id])).get(job.id, results.JobError())
    return {
        "id": display_id(job),
        "description": job.description,
        "device": job.actual_device_id,
        "device_type": job.requested_device_type_id,
        "health_check": job.health_check,
        "pipeline": True,
        "health": JobHealth(job.health).display,
        "state": JobState(job.state).display,
        "submitter": submitter.username,
        "submit_time": job.submit_time,
        "start_time": job.start_time,
        "end_time": job.end_time,
        "tags": [tag.name for tag in tags],
        "visibility": _visibility(job, groups),
        "failure_comment": job.failure_comment,
        "error_msg": error.message,
        "error_type": error.kind,
    }


def _visibility(job: TestJob, groups: list[str]) -> str:
    if job.is_public:
        return "Public"
    return f"Group ({', '.join(groups)})" if groups else "Personal"


@read_only
async def definition(call: Call, job_id: Any) -> str:
    """Name
    ----
    `scheduler.jobs.definition` (`job_id`)

    The definition as it was submitted (for a multinode job, the whole multinode
    definition).
    """
    job = await job_by_reference(call.ctx, job_id)
    return job.multinode_definition or job.original_definition or job.definition


@read_only
async def list_jobs(
    call: Call,
    state: Any = None,
    health: Any = None,
    start: Any = 0,
    limit: Any = 25,
    since: Any = 0,
    verbose: Any = False,
    duration_at_least: Any = None,
) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.jobs.list` (`state=None`, `health=None`, `start=0`, `limit=25`,
    `since=0`, `verbose=False`, `duration_at_least=None`)

    Jobs you may see, newest first: `limit` of them (at most 100) after skipping
    `start`. `state` and `health` filter by name (any case); `since` keeps jobs that
    ended in the last `since` minutes; `duration_at_least` keeps jobs that have run for
    more than that many minutes (until now when still running). With `verbose`, also
    the device, start and end times and the error of each job.
    """
    spec = JobFilter(
        states=None if state is None else [_named(JobState, state, "state")],
        healths=None if health is None else [_named(JobHealth, health, "health")],
        ended_after=_since(since),
        longer_than=(
            None
            if duration_at_least is None
            else dt.timedelta(minutes=_integer(duration_at_least, "duration_at_least"))
        ),
    )
    offset, count = max(_integer(start, "start"), 0), min(_integer(limit, "limit"), MAX_PAGE)
    jobs = await job_resolvers.jobs_slice(call.ctx, spec, offset, max(count, 0))
    submitters = await users.users_by_id(call.ctx, sorted({job.submitter_id for job in jobs}))
    errors = await results.job_errors(call.ctx, [job.id for job in jobs]) if verbose else {}
    items = []
    for job in jobs:
        item = {
            "id": display_id(job),
            "description": job.description,
            "device_type": job.requested_device_type_id,
            "health": JobHealth(job.health).display,
            "state": JobState(job.state).display,
            "submitter": submitters[job.submitter_id].username,
        }
        if verbose:
            error = errors.get(job.id, results.JobError())
            item |= {
                "actual_device": job.actual_device_id,
                "start_time": lava_time_text(job.start_time),
                "end_time": lava_time_text(job.end_time),
                "error_msg": error.message,
                "error_type": error.kind,
            }
        items.append(item)
    return items


def _named(kind: type[JobState] | type[JobHealth], value: Any, what: str) -> Any:
    wanted = str(value).capitalize()
    for member in kind:
        if member.display == wanted:
            return member
    raise Fault(400, f"Invalid {what} '{value}'")


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Fault(400, f"Invalid {what} '{value}'")
    return value


def _since(minutes: Any) -> dt.datetime | None:
    if minutes is None:
        return None
    minutes = _integer(minutes, "since")
    if minutes <= 0:
        return None
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


@read_only
async def logs(call: Call, job_id: Any, start: Any = 0, end: Any = None) -> list[Any]:
    """Name
    ----
    `scheduler.jobs.logs` (`job_id`, `start=0`, `end=None`)

    Lines `start` to `end` (excluded; None for all) of a job's log, as a YAML list of
    records, in base64: `[finished, data]`, where `finished` says whether the job is
    over. Poll with `start` moved past the lines received until `finished` is true.
    """
    job = await job_by_reference(call.ctx, job_id)
    first = _integer(start, "start")
    last = None if end is None else _integer(end, "end")
    content = await results.get_job_log(call.ctx, job.id)
    finished = JobState(job.state) is JobState.FINISHED
    if content is None:
        return [finished, xmlrpc.client.Binary(NO_LOG)]
    lines = content.splitlines(keepends=True)[max(first, 0) : last]
    return [finished, xmlrpc.client.Binary("".join(lines).encode())]


@read_only
async def queue(
    call: Call, device_types: Any = None, start: Any = 0, limit: Any = 25
) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.jobs.queue` (`device_types=None`, `start=0`, `limit=25`)

    Submitted jobs you may see that wait for a device, newest first, optionally only
    those asking for one of the listed device types; paged like `scheduler.jobs.list`.
    """
    if device_types is not None and not isinstance(device_types, list):
        raise Fault(400, "device_types must be a list")
    spec = JobFilter(
        states=[JobState.SUBMITTED],
        device_types=None if device_types is None else [str(name) for name in device_types],
    )
    offset, count = max(_integer(start, "start"), 0), min(_integer(limit, "limit"), MAX_PAGE)
    jobs = await job_resolvers.jobs_slice(call.ctx, spec, offset, max(count, 0))
    submitters = await users.users_by_id(call.ctx, sorted({job.submitter_id for job in jobs}))
    return [
        {
            "id": display_id(job),
            "description": job.description,
            "requested_device_type": job.requested_device_type_id,
            "submitter": submitters[job.submitter_id].username,
        }
        for job in jobs
    ]


@read_only
async def validate(call: Call, definition: Any, strict: Any = False) -> dict[str, str]:
    """Name
    ----
    `scheduler.jobs.validate` (`definition`, `strict=False`)

    Check a job definition without submitting it, with the dispatcher's stricter
    rules. Returns an empty struct when it is valid, else `{"path", "msg"}` for the
    first problem: where it is (a list of keys and indexes) and what is wrong.
    """
    if not isinstance(definition, str):
        raise Fault(400, "the definition must be a string")
    problem = await submissions.check_definition(definition, bool(strict))
    if problem is None:
        return {}
    message = _WHERE.sub("", problem.reason)  # the path is given apart
    return {"path": _path_text(problem.path), "msg": message}


def _path_text(path: tuple) -> str:
    """A location as LAVA prints it: ``['actions[0]', 'deploy', 'to']``."""
    parts: list[str] = []
    for step in path:
        if isinstance(step, int) and parts:
            parts[-1] = f"{parts[-1]}[{step}]"
        else:
            parts.append(str(step))
    return str(parts)


@read_only
async def configuration(call: Call, job_id: Any) -> list[Any]:
    """Name
    ----
    `scheduler.jobs.configuration` (`job_id`)

    The files the worker was given for a started job, in base64: the job definition,
    the device dictionary, the dispatcher configuration, the worker's environment and
    the DUT environment (nil for those this lab does not hold).
    """
    job = await job_by_reference(call.ctx, job_id)
    if JobState(job.state) not in (JobState.RUNNING, JobState.CANCELING, JobState.FINISHED):
        raise Fault(404, f"Job '{job_id}' has not started yet")
    files = await job_resolvers.job_configuration(call.ctx, job)
    texts = (files.definition, files.device, None, files.environment, files.dut_environment)
    return [None if text is None else xmlrpc.client.Binary(text.encode()) for text in texts]


METHODS = {
    "submit": submit,
    "resubmit": resubmit,
    "cancel": cancel,
    "show": show,
    "definition": definition,
    "list": list_jobs,
    "logs": logs,
    "queue": queue,
    "validate": validate,
    "configuration": configuration,
}
