"""Baseline: a plain strawberry app answering the benchmark query from memory.

It is what a first strawberry server looks like: async resolvers, strawberry's own
``DataLoader`` per request, no parser or validation caches. It serves the jobs named
on the command line (loaded once from the demo lab's SQLite file, never per request)
in the same JSON shape as gql-server, so that the difference in speed is the cost of
the GraphQL path rather than of the database.

    python bench/naive_strawberry.py --database LAB.sqlite3 --job-ids 7,5,3 --port 8001
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import strawberry
import uvicorn
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader

from gql_server.lab import enums

JobState = strawberry.enum(enums.JobState)
JobHealth = strawberry.enum(enums.JobHealth)
DEFAULT_PAGE_SIZE = 50
COUNT_NAMES = {
    enums.TestResult.PASS: "passed",
    enums.TestResult.FAIL: "failed",
    enums.TestResult.SKIP: "skipped",
    enums.TestResult.UNKNOWN: "unknown",
}


@dataclasses.dataclass
class Counts:
    """Test case results of one job."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0


@dataclasses.dataclass
class Lab:
    """The rows the benchmark query needs, as plain Python objects."""

    jobs: list[Job]
    device_types: dict[str, str]  # device hostname -> its device type name
    type_names: set[str]
    counts: dict[int, Counts]


@strawberry.type
class DeviceType:
    name: str


@strawberry.type
class Device:
    hostname: str
    type_name: strawberry.Private[str]

    @strawberry.field
    async def device_type(self, info: strawberry.Info) -> DeviceType | None:
        return await info.context["device_types"].load(self.type_name)


@strawberry.type
class ResultCounts:
    passed: int
    failed: int
    skipped: int
    unknown: int

    @strawberry.field
    def total(self) -> int:
        return self.passed + self.failed + self.skipped + self.unknown


@strawberry.type
class Job:
    id: int
    description: str | None
    state: JobState
    health: JobHealth
    submit_time: dt.datetime
    hostname: strawberry.Private[str | None]
    requested_type: strawberry.Private[str | None]

    @strawberry.field
    async def device(self, info: strawberry.Info) -> Device | None:
        if self.hostname is None:
            return None
        return await info.context["devices"].load(self.hostname)

    @strawberry.field
    async def requested_device_type(self, info: strawberry.Info) -> DeviceType | None:
        if self.requested_type is None:
            return None
        return await info.context["device_types"].load(self.requested_type)

    @strawberry.field
    async def result_counts(self, info: strawberry.Info) -> ResultCounts:
        return await info.context["counts"].load(self.id)


@strawberry.type
class JobConnection:
    nodes: list[Job]


def cursor_id(cursor: str) -> int:
    """The job id in a gql-server cursor of the default (id) order."""
    padded = cursor + "=" * (-len(cursor) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))[0]


@strawberry.type
class Query:
    @strawberry.field
    async def jobs(
        self, info: strawberry.Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> JobConnection:
        jobs = info.context["lab"].jobs
        if after is not None:
            below = cursor_id(after)
            jobs = [job for job in jobs if job.id < below]
        return JobConnection(nodes=jobs[:first])


async def load_devices(lab: Lab, hostnames: list[str]) -> list[Device | None]:
    """Devices by hostname (a data-loader batch)."""
    types = lab.device_types
    return [Device(hostname=h, type_name=types[h]) if h in types else None for h in hostnames]


async def load_device_types(lab: Lab, names: list[str]) -> list[DeviceType | None]:
    """Device types by name (a data-loader batch)."""
    return [DeviceType(name=name) if name in lab.type_names else None for name in names]


async def load_counts(lab: Lab, job_ids: list[int]) -> list[ResultCounts]:
    """Result counts by job id (a data-loader batch)."""
    return [ResultCounts(**dataclasses.asdict(lab.counts.get(i, Counts()))) for i in job_ids]


class NaiveGraphQL(GraphQL):
    """strawberry's ASGI view, with fresh data loaders for every request."""

    def __init__(self, schema: strawberry.Schema, lab: Lab) -> None:
        super().__init__(schema)
        self.lab = lab

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        lab = self.lab
        return {
            "request": request,
            "response": response,
            "lab": lab,
            "devices": DataLoader(load_fn=functools.partial(load_devices, lab)),
            "device_types": DataLoader(load_fn=functools.partial(load_device_types, lab)),
            "counts": DataLoader(load_fn=functools.partial(load_counts, lab)),
        }


def _in(job_ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in job_ids)


def _jobs(db: sqlite3.Connection, job_ids: Sequence[int]) -> list[Job]:
    rows = db.execute(
        "SELECT id, description, state, health, submit_time, actual_device_id,"
        " requested_device_type_id FROM lava_scheduler_app_testjob"
        f" WHERE id IN ({_in(job_ids)}) ORDER BY id DESC"
    )
    return [
        Job(
            id=job_id,
            description=description,
            state=enums.JobState(state),
            health=enums.JobHealth(health),
            submit_time=dt.datetime.fromisoformat(submitted).replace(tzinfo=dt.UTC),
            hostname=hostname,
            requested_type=requested,
        )
        for job_id, description, state, health, submitted, hostname, requested in rows
    ]


def _counts(db: sqlite3.Connection, job_ids: Sequence[int]) -> dict[int, Counts]:
    rows = db.execute(
        "SELECT s.job_id, c.result, count(*) FROM lava_results_app_testcase c"
        " JOIN lava_results_app_testsuite s ON s.id = c.suite_id"
        f" WHERE s.job_id IN ({_in(job_ids)}) GROUP BY s.job_id, c.result"
    )
    counts: dict[int, Counts] = {}
    for job_id, result, count in rows:
        setattr(counts.setdefault(job_id, Counts()), COUNT_NAMES[result], count)
    return counts


def load_lab(path: str, job_ids: Sequence[int]) -> Lab:
    """Read the given jobs with their devices, device types and result counts."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        device_types = dict(
            db.execute("SELECT hostname, device_type_id FROM lava_scheduler_app_device")
        )
        type_names = {
            name for (name,) in db.execute("SELECT name FROM lava_scheduler_app_devicetype")
        }
        return Lab(_jobs(db, job_ids), device_types, type_names, _counts(db, job_ids))
    finally:
        db.close()


def main() -> None:
    """Load the lab and serve it on 127.0.0.1."""
    parser = argparse.ArgumentParser(description="A naive strawberry baseline.")
    parser.add_argument("--database", required=True, help="the demo lab's SQLite file")
    parser.add_argument("--job-ids", required=True, help="comma-separated ids of the jobs to serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    lab = load_lab(args.database, [int(i) for i in args.job_ids.split(",")])
    app = NaiveGraphQL(strawberry.Schema(query=Query), lab)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
