"""``scheduler.*``: the older top-level scheduler methods."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from gql_server.db.models import Device, DeviceType, TestJob
from gql_server.lab.definition import ErrorKind
from gql_server.lab.enums import JobHealth, JobState
from gql_server.lab.legacy import job_status
from gql_server.resolvers import devices as device_resolvers
from gql_server.resolvers import inventory, results, submissions, users
from gql_server.resolvers import jobs as job_resolvers
from gql_server.resolvers.jobs import display_id, job_by_reference
from xmlrpc_compat import scheduler_jobs
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, read_only

NAMESPACE = "scheduler"
API_CLASS = "SchedulerAPI"


@read_only
async def get_publisher_event_socket(call: Call) -> str:
    """Name
    ----
    `scheduler.get_publisher_event_socket` ()

    The address of the ZMQ PUB socket events are published on, as configured (a `*`
    host stands for this server's host).
    """
    return call.settings.event_socket


async def submit_job(call: Call, job_data: Any) -> int | list[str]:
    """Name
    ----
    `scheduler.submit_job` (`job_data`)

    The same as `scheduler.jobs.submit`.
    """
    return await scheduler_jobs.submit(call, job_data)


async def resubmit_job(call: Call, job_id: Any) -> int | list[str]:
    """Name
    ----
    `scheduler.resubmit_job` (`job_id`)

    The same as `scheduler.jobs.resubmit`.
    """
    return await scheduler_jobs.resubmit(call, job_id)


async def cancel_job(call: Call, job_id: Any) -> bool:
    """Name
    ----
    `scheduler.cancel_job` (`job_id`)

    The same as `scheduler.jobs.cancel`.
    """
    return await scheduler_jobs.cancel(call, job_id)


@read_only
async def job_details(call: Call, job_id: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.job_details` (`job_id`)

    The stored fields of a job (ids, visibility, submitter, device and type, times,
    state, health and legacy status as words, priority, definitions, failure comment,
    error, metadata) and its web address. Secrets and internal fields are never given.
    """
    job = await job_by_reference(call.ctx, job_id)
    submitter = (await users.users_by_id(call.ctx, [job.submitter_id]))[job.submitter_id]
    error = (await results.job_errors(call.ctx, [job.id])).get(job.id, results.JobError())
    state, health = JobState(job.state), JobHealth(job.health)
    return {
        "id": job.id,
        "sub_id": job.sub_id,
        "is_public": job.is_public,
        "target_group": job.target_group,
        "submitter_id": job.submitter_id,
        "description": job.description,
        "health_check": job.health_check,
        "requested_device_type_id": job.requested_device_type_id,
        "actual_device_id": job.actual_device_id,
        "requested_device_id": job.requested_device_id,
        "requested_worker_id": job.requested_worker_id,
        "submit_time": job.submit_time,
        "start_time": job.start_time,
        "end_time": job.end_time,
        "state": state.display,
        "health": health.display,
        "priority": job.priority,
        "definition": job.definition,
        "original_definition": job.original_definition,
        "multinode_definition": job.multinode_definition,
        "pipeline_compatibility": job.pipeline_compatibility,
        "queue_timeout": job.queue_timeout,
        "failure_comment": job.failure_comment,
        "metadata": job.metadata_ or {},
        "status": job_status(state, health),
        "submitter_username": submitter.username,
        "submitter_email": users.visible_email(call.ctx, submitter),
        "absolute_url": f"/scheduler/job/{display_id(job)}",
        "is_pipeline": True,
        "error_msg": error.message,
        "error_type": error.kind,
    }


@read_only
async def job_health(call: Call, job_id: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.job_health` (`job_id`)

    A job's health as a word (with its sub id for a multinode job).
    """
    job = await job_by_reference(call.ctx, job_id)
    return _with_sub_id(job, {"job_id": job.id, "job_health": JobHealth(job.health).display})


@read_only
async def job_state(call: Call, job_id: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.job_state` (`job_id`)

    A job's state as a word (with its sub id for a multinode job).
    """
    job = await job_by_reference(call.ctx, job_id)
    return _with_sub_id(job, {"job_id": job.id, "job_state": JobState(job.state).display})


def _with_sub_id(job: TestJob, answer: dict[str, Any]) -> dict[str, Any]:
    return answer | {"sub_id": job.sub_id} if job.sub_id else answer


@read_only
async def all_jobs(call: Call) -> list[list[Any]]:
    """Name
    ----
    `scheduler.all_jobs` ()

    Every unfinished job you may see, newest first, each as a list: id, description,
    legacy status (submitted, running, canceling), the device it runs on and the
    device type it asked for (their stored fields, or nil), and its sub id ("" for a
    single-node job).
    """
    jobs = await job_resolvers.unfinished_jobs(call.ctx)
    hostnames = sorted({job.actual_device_id for job in jobs if job.actual_device_id})
    names = sorted({job.requested_device_type_id for job in jobs if job.requested_device_type_id})
    devices = await device_resolvers.devices_by_hostname(call.ctx, hostnames)
    types = await inventory.device_types_by_name(call.ctx, names)
    return [
        [
            job.id,
            job.description,
            job_status(JobState(job.state), JobHealth(job.health)).lower(),
            _device_fields(devices.get(job.actual_device_id or "")),
            _type_fields(types.get(job.requested_device_type_id or "")),
            job.sub_id,
        ]
        for job in jobs
    ]


def _device_fields(device: Device | None) -> dict[str, Any] | None:
    if device is None:
        return None
    return {
        "hostname": device.hostname,
        "device_type_id": device.device_type_id,
        "device_version": device.device_version,
        "physical_owner_id": device.physical_owner_id,
        "physical_group_id": device.physical_group_id,
        "description": device.description,
        "state": device.state,
        "health": device.health,
        "last_health_report_job_id": device.last_health_report_job_id,
        "worker_host_id": device.worker_host_id,
        "is_synced": device.is_synced,
    }


def _type_fields(device_type: DeviceType | None) -> dict[str, Any] | None:
    if device_type is None:
        return None
    return {
        "name": device_type.name,
        "architecture_id": device_type.architecture_id,
        "processor_id": device_type.processor_id,
        "cpu_model": device_type.cpu_model,
        "bits_id": device_type.bits_id,
        "core_count": device_type.core_count,
        "description": device_type.description,
        "health_frequency": device_type.health_frequency,
        "disable_health_check": device_type.disable_health_check,
        "health_denominator": device_type.health_denominator,
        "display": device_type.display,
    }


@read_only
async def pending_jobs_by_device_type(call: Call, all: Any = False) -> dict[str, int]:
    """Name
    ----
    `scheduler.pending_jobs_by_device_type` (`all=False`)

    How many jobs you may see wait in the queue for each device type: every type in
    use (displayed, with a device in service), every type you may see with `all`, and
    any type that has queued jobs.
    """
    return await job_resolvers.queued_jobs_by_type(call.ctx, bool(all))


@read_only
async def get_recent_jobs_for_device_type(
    call: Call, device_type: Any, count: Any = 1, restrict_to_user: Any = False
) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.get_recent_jobs_for_device_type` (`device_type`, `count=1`,
    `restrict_to_user=False`)

    The newest `count` finished jobs that asked for this device type, yours only with
    `restrict_to_user`: id, description, legacy status and device ("" when none).
    """
    if not device_type:
        raise Fault(400, "Bad request: device_type was not specified.")
    wanted = _count(count)
    if await job_resolvers.displayed_device_type(call.ctx, str(device_type)) is None:
        raise Fault(-32603, f"{INTERNAL_ERROR}: DeviceType matching query does not exist.")
    jobs = await job_resolvers.recent_finished_jobs(
        call.ctx,
        wanted,
        device_type=str(device_type),
        submitter_id=call.ctx.viewer.user_id if restrict_to_user else None,
    )
    return [
        {
            "id": job.id,
            "description": job.description,
            "status": job_status(JobState(job.state), JobHealth(job.health)),
            "device": job.actual_device_id or "",
        }
        for job in jobs
    ]


def _count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise Fault(400, "Bad request: count must be an integer.")
    if count < 0:
        raise Fault(400, "Bad request: count must not be negative.")
    return count


@read_only
async def validate_yaml(call: Call, yaml_string: Any) -> None:
    """Name
    ----
    `scheduler.validate_yaml` (`yaml_string`)

    Check a job definition against the submission rules only, without submitting it.
    Returns nil when it passes; faults otherwise, saying why.
    """
    if not isinstance(yaml_string, str):
        raise Fault(400, "Decoding job submission failed: the definition must be a string.")
    problem = await submissions.check_definition(yaml_string, strict=False)
    if problem is None:
        return None
    if problem.kind is ErrorKind.YAML:
        raise Fault(400, f"Decoding job submission failed: {problem.reason}.")
    raise Fault(400, f"Invalid YAML submission: {problem.reason}")


@read_only
async def job_output(call: Call, job_id: Any, offset: Any = 0) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.job_output` (`job_id`, `offset=0`)

    A job's whole log as stored (LAVA's output.yaml), in base64, from character
    `offset`.
    """
    job = await job_by_reference(call.ctx, job_id)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise Fault(400, "Bad request: offset must be an integer.")
    content = await results.get_job_log(call.ctx, job.id)
    if content is None:
        raise Fault(404, "Job output not found.")
    return xmlrpc.client.Binary(content[max(offset, 0) :].encode())


METHODS = {
    "get_publisher_event_socket": get_publisher_event_socket,
    "submit_job": submit_job,
    "resubmit_job": resubmit_job,
    "cancel_job": cancel_job,
    "job_details": job_details,
    "job_health": job_health,
    "job_state": job_state,
    "all_jobs": all_jobs,
    "pending_jobs_by_device_type": pending_jobs_by_device_type,
    "get_recent_jobs_for_device_type": get_recent_jobs_for_device_type,
    "validate_yaml": validate_yaml,
    "job_output": job_output,
}
