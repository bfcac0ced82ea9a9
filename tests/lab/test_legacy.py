"""Legacy status words, for every state and health."""

from __future__ import annotations

import pytest

from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState
from gql_server.lab.legacy import device_status, job_status


@pytest.mark.parametrize(
    ("state", "health", "status"),
    [
        (JobState.SUBMITTED, JobHealth.UNKNOWN, "Submitted"),
        (JobState.SCHEDULING, JobHealth.UNKNOWN, "Submitted"),
        (JobState.SCHEDULED, JobHealth.UNKNOWN, "Submitted"),
        (JobState.RUNNING, JobHealth.UNKNOWN, "Running"),
        (JobState.CANCELING, JobHealth.UNKNOWN, "Canceling"),
        (JobState.FINISHED, JobHealth.COMPLETE, "Complete"),
        (JobState.FINISHED, JobHealth.INCOMPLETE, "Incomplete"),
        (JobState.FINISHED, JobHealth.UNKNOWN, "Incomplete"),
        (JobState.FINISHED, JobHealth.CANCELED, "Canceled"),
    ],
)
def test_job_status(state, health, status):
    assert job_status(state, health) == status


@pytest.mark.parametrize(
    ("state", "health", "status"),
    [
        (DeviceState.IDLE, DeviceHealth.GOOD, "idle"),
        (DeviceState.IDLE, DeviceHealth.UNKNOWN, "idle"),
        (DeviceState.IDLE, DeviceHealth.RETIRED, "retired"),
        (DeviceState.IDLE, DeviceHealth.MAINTENANCE, "offline"),
        (DeviceState.IDLE, DeviceHealth.BAD, "offline"),
        (DeviceState.IDLE, DeviceHealth.LOOPING, "offline"),
        (DeviceState.RESERVED, DeviceHealth.GOOD, "reserved"),
        (DeviceState.RUNNING, DeviceHealth.BAD, "running"),
    ],
)
def test_device_status(state, health, status):
    assert device_status(state, health) == status
