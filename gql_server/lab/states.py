"""LAVA's job state machine and what a job's state means for its device. Pure logic.

States only move forward; health stays Unknown until Finished; a job finishing from
Canceling is Canceled whatever it reports; Running sets the start time; Finished sets the
end time (and the start time, if the job never ran).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from gql_server.lab.enums import DeviceState, JobHealth, JobState

CANCELABLE = frozenset(
    {JobState.SUBMITTED, JobState.SCHEDULING, JobState.SCHEDULED, JobState.RUNNING}
)


@dataclasses.dataclass(frozen=True)
class JobStatus:
    """The fields of a job that its state machine governs."""

    state: JobState
    health: JobHealth
    start_time: dt.datetime | None
    end_time: dt.datetime | None


def advance(
    status: JobStatus, target: JobState, now: dt.datetime, health: JobHealth = JobHealth.UNKNOWN
) -> JobStatus | None:
    """The status after moving to ``target``, or None when the move is ignored.

    ``health`` is the outcome when ``target`` is Finished; it must not be Unknown then.
    """
    if status.state >= target:
        return None
    if target is not JobState.FINISHED:
        start = now if target is JobState.RUNNING else status.start_time
        return JobStatus(target, JobHealth.UNKNOWN, start, None)
    if health is JobHealth.UNKNOWN:
        raise ValueError("a job cannot finish with health Unknown")
    if status.state is JobState.CANCELING:
        health = JobHealth.CANCELED
    return JobStatus(target, health, status.start_time or now, now)


def cancel(status: JobStatus, now: dt.datetime) -> JobStatus | None:
    """The status after a cancel request, or None when the job can no longer be canceled.

    A queued job finishes at once as Canceled; a scheduled or running one goes to
    Canceling until its worker reports the end.
    """
    if status.state not in CANCELABLE:
        return None
    if status.state is JobState.SUBMITTED:
        return advance(status, JobState.FINISHED, now, JobHealth.CANCELED)
    return advance(status, JobState.CANCELING, now)


def device_state_for(job_state: JobState) -> DeviceState | None:
    """The state a device takes when its job enters ``job_state`` (None: unchanged)."""
    if job_state in (JobState.SCHEDULING, JobState.SCHEDULED):
        return DeviceState.RESERVED
    if job_state is JobState.RUNNING:
        return DeviceState.RUNNING
    if job_state is JobState.FINISHED:
        return DeviceState.IDLE
    return None
