"""The rows the exporters read: plain values, as the database side hands them over."""

from __future__ import annotations

import dataclasses
from decimal import Decimal


@dataclasses.dataclass(slots=True)
class CaseRow:
    """One test case with the names of its suite and job. Not frozen: an export makes
    millions of them, and a frozen dataclass takes ten times longer to make."""

    id: int
    name: str
    job_id: int
    suite_id: int
    suite: str | None
    result: int
    measurement: Decimal | None
    units: str
    metadata: str | None
    start_log_line: int | None
    end_log_line: int | None
    logged: str  # as the exports write it: see records.time_text


@dataclasses.dataclass(frozen=True, slots=True)
class SuiteRow:
    """One test suite of a job."""

    id: int
    job_id: int
    name: str | None
