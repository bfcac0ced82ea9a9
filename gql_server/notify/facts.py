"""The inputs of the notification functions: plain frozen records filled by the caller.

Nothing here reads the database; the integration builds these records from a job's row, its
device, its results and the jobs it is compared with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gql_server.lab.enums import JobHealth, JobState, TestResult


@dataclass(frozen=True)
class DeviceFacts:
    """The device a job ran on, as the email's "Device details" show it."""

    hostname: str
    device_type: str
    owner: str | None = None
    """The physical owner's username, or ``None``."""
    worker: str | None = None
    """The worker's hostname, or ``None``."""


@dataclass(frozen=True)
class JobError:
    """The outcome recorded by the ``lava``/``job`` test case of an Incomplete job."""

    error_type: str
    error_msg: str


@dataclass(frozen=True)
class JobFacts:
    """One job at the moment it notifies (its new state and health already applied)."""

    id: int
    description: str
    state: JobState
    health: JobHealth
    submitter: str
    submit_time: dt.datetime
    url_prefix: str
    """Scheme and host the links start with, e.g. ``http://lava.example.org`` (no slash)."""
    sub_id: str = ""
    """The multinode sub-id (``"42.1"``), or ``""`` for a single-node job."""
    submitter_email: str = ""
    priority: int = 50
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    requested_device_type: str | None = None
    device: DeviceFacts | None = None
    failure_comment: str | None = None
    error: JobError | None = None
    definition: str = ""
    """The job definition's YAML text."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """The definition's ``metadata`` mapping, as stored at submission."""
    health_check: bool = False

    @property
    def display_id(self) -> str:
        """The id shown in links and texts: the sub-id for a multinode job, else the id."""
        return self.sub_id or str(self.id)


@dataclass(frozen=True)
class CaseFacts:
    """One test case of a job's results."""

    id: int
    name: str
    result: TestResult
    measurement: Decimal | None = None
    units: str = ""


@dataclass(frozen=True)
class SuiteFacts:
    """One test suite of a job's results, its cases in database order."""

    name: str
    cases: tuple[CaseFacts, ...] = ()


@dataclass(frozen=True)
class ListedJob:
    """A job returned by a comparison query or a previous-job look-up."""

    id: int
    state: JobState
    health: JobHealth
    sub_id: str = ""

    @property
    def display_id(self) -> str:
        """The id shown in links: the sub-id for a multinode job, else the id."""
        return self.sub_id or str(self.id)
