"""``scheduler.*``: the older top-level scheduler methods."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Awaitable
from typing import Any, TypeVar

import yaml

from gql_server.db.models import Device, DeviceType, TestJob
from gql_server.lab.definition import ErrorKind
from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState
from gql_server.lab.legacy import device_status, job_status
from gql_server.resolvers import devices as device_resolvers
from gql_server.resolvers import inventory, results, submissions, users
from gql_server.resolvers import jobs as job_resolvers
from gql_server.resolvers.errors import NotFound, PermissionDenied, Unauthenticated
from gql_server.resolvers.jobs import display_id, job_by_reference
from xmlrpc_compat import scheduler_jobs
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, as_text, read_only
from xmlrpc_compat.scheduler_devices import context_variables

NAMESPACE = "scheduler"
API_CLASS = "SchedulerAPI"
NO_SUCH_DEVICE = "Device matching query does not exist."
NO_DICTIONARY = "Missing device dictionary"
NO_CONFIGURATION = "no device dictionary, or it cannot be rendered"

T = TypeVar("T")


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
        submitter_id=_submitter(call, restrict_to_user),
    )
    return [_job_summary(job) | {"device": job.actual_device_id or ""} for job in jobs]


def _submitter(call: Call, restrict_to_user: Any) -> int | None:
    return call.ctx.viewer.user_id if restrict_to_user else None


def _job_summary(job: TestJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "description": job.description,
        "status": job_status(JobState(job.state), JobHealth(job.health)),
    }


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


@read_only
async def get_recent_jobs_for_device(
    call: Call, device: Any, count: Any = 1, restrict_to_user: Any = False
) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.get_recent_jobs_for_device` (`device`, `count=1`, `restrict_to_user=False`)

    The newest `count` finished jobs you may see that ran on this device (a device you
    may see), yours only with `restrict_to_user`: id, description and legacy status.
    """
    if not device:
        raise Fault(400, "Bad request: device was not specified.")
    wanted = _count(count)
    hostname = as_text(device)
    await device_resolvers.viewable_device(call.ctx, hostname)
    jobs = await job_resolvers.recent_finished_jobs(
        call.ctx, wanted, hostname=hostname, submitter_id=_submitter(call, restrict_to_user)
    )
    return [_job_summary(job) for job in jobs]


def _device_status(device: Device) -> str:
    return device_status(DeviceState(device.state), DeviceHealth(device.health))


@read_only
async def all_devices(call: Call) -> list[list[Any]]:
    """Name
    ----
    `scheduler.all_devices` ()

    The devices you may see except retired ones, by hostname, each as a list: hostname,
    device type, legacy status (idle, offline, reserved or running), the id of its
    current job (nil when none), and true (every device runs pipeline jobs).
    """
    found = await device_resolvers.every_visible_device(call.ctx, include_retired=False)
    jobs = await device_resolvers.current_job_ids(call.ctx, [device.hostname for device in found])
    return [
        [
            device.hostname,
            device.device_type_id,
            _device_status(device),
            jobs.get(device.hostname),
            True,
        ]
        for device in found
    ]


@read_only
async def all_device_types(call: Call) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.all_device_types` ()

    For each device type you may see that has devices in service, by name: how many of
    them are busy (reserved or running), idle (ready, on an online worker) and offline.
    """
    counts = await inventory.device_type_counts(call.ctx)
    return [
        {"name": entry.name, "busy": entry.busy, "idle": entry.idle, "offline": entry.offline}
        for entry in counts
    ]


@read_only
async def get_device_type_by_alias(call: Call, alias: Any) -> dict[str, list[str]]:
    """Name
    ----
    `scheduler.get_device_type_by_alias` (`alias`)

    The device types you may see that have an alias whose name contains `alias`, as
    `{alias: [device type names]}` (an empty list when none has).
    """
    part = as_text(alias)
    return {part: await inventory.device_types_by_alias_part(call.ctx, part)}


@read_only
async def get_device_status(call: Call, hostname: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.get_device_status` (`hostname`)

    The legacy status of a device you may see (idle, offline, retired, reserved or
    running) and the id of its current job (nil when none). `offline_since` and
    `offline_by` are always nil.
    """
    if not hostname:
        raise Fault(400, "Bad request: Hostname was not specified.")
    name = as_text(hostname)
    refusal = PermissionDenied(f"Permission denied for user to access {name} information.")
    device = await device_resolvers.checked_device(call.ctx, name, refusal=refusal)
    jobs = await device_resolvers.current_job_ids(call.ctx, [name])
    return {
        "hostname": device.hostname,
        "status": _device_status(device),
        "job": jobs.get(name),
        "offline_since": None,
        "offline_by": None,
        "is_pipeline": True,
    }


def _hostname_and_reason(hostname: Any, reason: Any) -> str:
    if not hostname:
        raise Fault(400, "Bad request: Hostname was not specified.")
    if not reason:
        raise Fault(400, "Bad request: Reason was not specified.")
    return as_text(hostname)


async def put_into_maintenance_mode(
    call: Call, hostname: Any, reason: Any, notify: Any = None
) -> None:
    """Name
    ----
    `scheduler.put_into_maintenance_mode` (`hostname`, `reason`, `notify=None`)

    Put a device into Maintenance: no job will be scheduled on it. A `reason` must be
    given (it is not kept); `notify` is accepted for old clients and ignored. Returns
    nil. Requires the right to change the device.
    """
    call.require_login()
    name = _hostname_and_reason(hostname, reason)
    refusal = PermissionDenied(f"Permission denied for user to put {name} into maintenance mode.")
    await device_resolvers.change_device_health(call.ctx, name, DeviceHealth.MAINTENANCE, refusal)


async def put_into_online_mode(
    call: Call, hostname: Any, reason: Any, skip_health_check: Any = False
) -> None:
    """Name
    ----
    `scheduler.put_into_online_mode` (`hostname`, `reason`, `skip_health_check=False`)

    Bring a device back into service with health Unknown, so that a health check runs
    before other jobs. A `reason` must be given (it is not kept); `skip_health_check`
    is accepted for old clients and ignored. Returns nil. Requires the right to change
    the device.
    """
    call.require_login()
    name = _hostname_and_reason(hostname, reason)
    refusal = PermissionDenied(f"Permission denied for user to put {name} into online mode.")
    await device_resolvers.change_device_health(call.ctx, name, DeviceHealth.UNKNOWN, refusal)


@read_only
async def get_device_config(
    call: Call, device_hostname: Any, context: Any = None
) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.get_device_config` (`device_hostname`, `context=None`)

    The configuration (YAML, in base64) of a device you may see, rendered from its
    device dictionary and the templates it extends, with `context`, a YAML mapping of
    template variables as a job context would give them. The configuration must be a
    mapping with the sections a device needs (actions, constants, parameters, timeouts);
    a device without a usable configuration is an internal error (-32603), as in LAVA.
    A device you may not see is refused with fault 401.
    """
    if not device_hostname:
        raise Fault(400, "Bad request: Device hostname was not specified.")
    variables = context_variables(
        context, "Job context '{context}' is not valid. {problem}", "A YAML mapping is expected."
    )
    name = as_text(device_hostname)
    await device_resolvers.checked_device(
        call.ctx,
        name,
        refusal=Unauthenticated(f"Permission denied for user to device {name}"),
        missing=NotFound("Specified device was not found."),
    )
    text = await device_resolvers.render_device_configuration(call.ctx, name, variables)
    if text is None:
        raise _unusable(name, NO_CONFIGURATION)
    problem = device_resolvers.configuration_problem(text)
    if problem is not None:
        raise _unusable(name, problem)
    return xmlrpc.client.Binary(text.encode())


def _unusable(hostname: str, problem: str) -> Fault:
    return Fault(-32603, f"{INTERNAL_ERROR}: Device '{hostname}': {problem}")


async def _known_device(lookup: Awaitable[T]) -> T:
    """Await a device lookup whose ``missing`` error is NotFound(NO_SUCH_DEVICE): LAVA's
    dictionary methods answer an unknown hostname with their database's error."""
    try:
        return await lookup
    except NotFound as exc:
        raise Fault(-32603, f"{INTERNAL_ERROR}: {exc.message}") from exc


async def import_device_dictionary(call: Call, hostname: Any, jinja_str: Any) -> str:
    """Name
    ----
    `scheduler.import_device_dictionary` (`hostname`, `jinja_str`)

    Store the device dictionary (Jinja2 text) of a device, replacing the one it had; an
    empty string removes it. Returns "Device dictionary updated for <hostname>".
    Requires the right to change the device.
    """
    call.require_login()
    name = as_text(hostname)
    refusal = PermissionDenied(
        f"Permission denied for user to store the configuration for {name} on disk."
    )
    await _known_device(
        device_resolvers.checked_device(
            call.ctx, name, refusal=refusal, change=True, missing=NotFound(NO_SUCH_DEVICE)
        )
    )
    if not isinstance(jinja_str, str):
        raise Fault(400, f"Unable to store the configuration for {name} on disk")
    await device_resolvers.set_device_dictionary(call.ctx, name, jinja_str)
    return f"Device dictionary updated for {name}"


@read_only
async def export_device_dictionary(call: Call, hostname: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.export_device_dictionary` (`hostname`)

    The device dictionary (Jinja2 text) of a device as it was stored, in base64.
    Requires the right to change the device.
    """
    name = as_text(hostname)
    refusal = PermissionDenied(
        f"Permission denied for user to retrieve device dictionary for '{name}'."
    )
    text = await _known_device(
        device_resolvers.dictionary_to_export(
            call.ctx, name, refusal=refusal, missing=NotFound(NO_SUCH_DEVICE)
        )
    )
    if not text:
        raise Fault(404, f"Device '{name}' does not have a device dictionary")
    return xmlrpc.client.Binary(text.encode())


@read_only
async def validate_pipeline_devices(call: Call, name: Any = None) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.validate_pipeline_devices` (`name=None`)

    Check the configuration of the devices you may see (retired ones left out): all of
    them, or those of the device type `name`, or else the device named `name`. Returns
    YAML in base64, by hostname: `{Valid: null}`, or `{Invalid: why}` for a device
    without a usable dictionary or whose configuration lacks what a device needs.
    """
    found = await device_resolvers.every_visible_device(call.ctx, include_retired=False)
    chosen = _named_devices(found, as_text(name)) if name else found
    if not chosen and name:
        raise Fault(
            404,
            f"No devices found with hostname or device type name {as_text(name)}, "
            "visible by the user",
        )
    if not chosen:
        raise Fault(404, "No pipeline devices visible by user were found on this instance.")
    results = {}
    for device in chosen:
        text = await device_resolvers.render_device_configuration(call.ctx, device.hostname, {})
        problem = NO_DICTIONARY if text is None else device_resolvers.configuration_problem(text)
        results[device.hostname] = {"Valid": None} if problem is None else {"Invalid": problem}
    return xmlrpc.client.Binary(yaml.safe_dump(results).encode())


def _named_devices(devices: list[Device], name: str) -> list[Device]:
    """The devices of the device type ``name``, or else the device of that hostname."""
    of_type = [device for device in devices if device.device_type_id == name]
    return of_type or [device for device in devices if device.hostname == name]


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
    "all_devices": all_devices,
    "all_device_types": all_device_types,
    "get_device_type_by_alias": get_device_type_by_alias,
    "get_device_status": get_device_status,
    "get_recent_jobs_for_device": get_recent_jobs_for_device,
    "put_into_maintenance_mode": put_into_maintenance_mode,
    "put_into_online_mode": put_into_online_mode,
    "get_device_config": get_device_config,
    "import_device_dictionary": import_device_dictionary,
    "export_device_dictionary": export_device_dictionary,
    "validate_pipeline_devices": validate_pipeline_devices,
}
