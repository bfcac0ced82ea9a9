"""A finished job's facts for the notification rendering tests, overridable field by field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.facts import DeviceFacts, JobFacts

UTC = dt.UTC
BASE = JobFacts(
    id=42,
    description="smoke test",
    state=JobState.FINISHED,
    health=JobHealth.COMPLETE,
    submitter="alice",
    submitter_email="alice@example.org",
    submit_time=dt.datetime(2023, 1, 10, 12, 0, 0, tzinfo=UTC),
    start_time=dt.datetime(2023, 1, 10, 12, 30, 0, 100, tzinfo=UTC),
    end_time=dt.datetime(2023, 1, 10, 13, 35, 7, tzinfo=UTC),
    url_prefix="http://lava.example.org",
    priority=50,
    requested_device_type="qemu",
    device=DeviceFacts("qemu01", "qemu", owner="olga", worker="worker1"),
    definition="job_name: smoke test\n",
    metadata={"build": "1234", "branch": "main"},
)


def job(**changes: Any) -> JobFacts:
    """The base job with ``changes`` applied."""
    return dataclasses.replace(BASE, **changes)
