"""The older status words LAVA's legacy methods still answer with. Pure logic."""

from __future__ import annotations

from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState

# The LAVA release whose API the legacy doors implement: lavacli parses it to pick call
# shapes, and REST's system/version/ answers the same string.
LAVA_API_LEVEL = "2026.07"

_QUEUED = frozenset({JobState.SUBMITTED, JobState.SCHEDULING, JobState.SCHEDULED})
_FINISHED_AS = {
    JobHealth.COMPLETE: "Complete",
    JobHealth.INCOMPLETE: "Incomplete",
    JobHealth.UNKNOWN: "Incomplete",
    JobHealth.CANCELED: "Canceled",
}


def job_status(state: JobState, health: JobHealth) -> str:
    """A job's legacy status: Submitted, Running, Canceling, or how it finished."""
    if state in _QUEUED:
        return "Submitted"
    if state is JobState.RUNNING:
        return "Running"
    if state is JobState.CANCELING:
        return "Canceling"
    return _FINISHED_AS[health]


def device_status(state: DeviceState, health: DeviceHealth) -> str:
    """A device's legacy status: idle, offline, retired, reserved or running."""
    if state is DeviceState.RESERVED:
        return "reserved"
    if state is DeviceState.RUNNING:
        return "running"
    if health in (DeviceHealth.GOOD, DeviceHealth.UNKNOWN):
        return "idle"
    return "retired" if health is DeviceHealth.RETIRED else "offline"
