"""LAVA's job state machine."""

from __future__ import annotations

import datetime as dt

import pytest

from gql_server.lab.enums import DeviceState, JobHealth, JobState
from gql_server.lab.states import JobStatus, advance, cancel, device_state_for

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)
QUEUED = JobStatus(JobState.SUBMITTED, JobHealth.UNKNOWN, None, None)
RUNNING = JobStatus(JobState.RUNNING, JobHealth.UNKNOWN, T0, None)


def test_running_sets_the_start_and_finishing_the_end():
    running = advance(QUEUED, JobState.RUNNING, T0)
    assert running == RUNNING
    assert advance(running, JobState.FINISHED, T1, JobHealth.COMPLETE) == JobStatus(
        JobState.FINISHED, JobHealth.COMPLETE, T0, T1
    )


def test_states_only_move_forward():
    assert advance(RUNNING, JobState.SCHEDULED, T1) is None
    assert advance(RUNNING, JobState.RUNNING, T1) is None


def test_finishing_without_running_sets_both_times():
    finished = advance(QUEUED, JobState.FINISHED, T1, JobHealth.INCOMPLETE)
    assert (finished.start_time, finished.end_time) == (T1, T1)


def test_health_is_required_to_finish():
    with pytest.raises(ValueError):
        advance(RUNNING, JobState.FINISHED, T1)


def test_finishing_from_canceling_is_always_canceled():
    canceling = JobStatus(JobState.CANCELING, JobHealth.UNKNOWN, T0, None)
    assert (
        advance(canceling, JobState.FINISHED, T1, JobHealth.COMPLETE).health is JobHealth.CANCELED
    )


def test_cancel_queued_finishes_at_once_and_running_goes_to_canceling():
    assert cancel(QUEUED, T1) == JobStatus(JobState.FINISHED, JobHealth.CANCELED, T1, T1)
    assert cancel(RUNNING, T1) == JobStatus(JobState.CANCELING, JobHealth.UNKNOWN, T0, None)
    finished = JobStatus(JobState.FINISHED, JobHealth.COMPLETE, T0, T1)
    assert cancel(finished, T1) is None
    assert cancel(JobStatus(JobState.CANCELING, JobHealth.UNKNOWN, T0, None), T1) is None


@pytest.mark.parametrize(
    ("job_state", "device_state"),
    [
        (JobState.SUBMITTED, None),
        (JobState.SCHEDULING, DeviceState.RESERVED),
        (JobState.SCHEDULED, DeviceState.RESERVED),
        (JobState.RUNNING, DeviceState.RUNNING),
        (JobState.CANCELING, None),
        (JobState.FINISHED, DeviceState.IDLE),
    ],
)
def test_device_follows_its_job(job_state, device_state):
    assert device_state_for(job_state) == device_state
