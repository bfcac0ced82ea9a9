"""``scheduler.*``: the older top-level scheduler methods."""

from __future__ import annotations

from typing import Any

from xmlrpc_compat import scheduler_jobs
from xmlrpc_compat.methods import Call

NAMESPACE = "scheduler"
API_CLASS = "SchedulerAPI"


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


METHODS = {
    "get_publisher_event_socket": get_publisher_event_socket,
    "submit_job": submit_job,
    "resubmit_job": resubmit_job,
    "cancel_job": cancel_job,
}
