"""GraphQL object types. Their roots are the resolver layer's domain objects (model rows).

Plain columns resolve by attribute; relations go through the request's data loaders,
which answer synchronously when a connection has primed them (``prefetch``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gql_server.resolvers import jobs, results, users
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.jobs import JobFilter
from gql_server.resolvers.pagination import MAX_PAGE_SIZE, Page
from gql_server.rest.door import PREFIX as REST_PREFIX
from gql_server.schema.connections import Connection, page_args
from gql_server.schema.context import Info
from gql_server.schema.enums import (
    DeviceHealth,
    DeviceState,
    Direction,
    HealthDenominator,
    JobHealth,
    JobOrderBy,
    JobState,
    NotificationKind,
    NotificationStatus,
    ResultsFormat,
    TestResult,
    WorkerHealth,
    WorkerState,
)
from gql_server.schema.inputs import JobFilterInput, TestCaseFilterInput, to_resolver_filter
from gql_server.schema.prefetch import page_node_selections, prefetch

DEFAULT_RECENT_JOBS = 10


@strawberry.type(description="A lab user. Usernames are public; e-mail only to its owner.")
class User:
    id: int
    username: str
    first_name: str
    last_name: str
    is_superuser: bool

    @strawberry.field
    def email(self, info: Info) -> str | None:
        return users.visible_email(info.context.ctx, self)


@strawberry.type(description="A group of users.")
class Group:
    id: int
    name: str


@strawberry.type(description="A tag: jobs requiring it run only on devices carrying it.")
class Tag:
    id: int
    name: str
    description: str | None


@strawberry.type(description="Another name for a device type.")
class Alias:
    name: str

    @strawberry.field
    def device_type(self, info: Info) -> DeviceType | None:
        return info.context.loaders.device_type.load(self.device_type_id)


@strawberry.type(description="Pass, fail, skip and unknown counts of test cases.")
class ResultCounts:
    passed: int
    failed: int
    skipped: int
    unknown: int
    total: int


@strawberry.type(description="A kind of device, such as a board model.")
class DeviceType:
    name: str
    description: str | None
    architecture: str | None = strawberry.field(resolver=lambda root: root.architecture_id)
    processor: str | None = strawberry.field(resolver=lambda root: root.processor_id)
    cpu_model: str | None
    bits: int | None = strawberry.field(resolver=lambda root: root.bits_id)
    core_count: int | None
    health_frequency: int
    health_denominator: HealthDenominator
    disable_health_check: bool
    display: bool

    @strawberry.field
    def aliases(self, info: Info) -> list[Alias]:
        return info.context.loaders.aliases_by_type.load(self.name)

    @strawberry.field(description="The visible devices of this type, by hostname.")
    def devices(self, info: Info) -> list[Device]:
        return info.context.loaders.devices_by_type.load(self.name)


@strawberry.type(description="A worker host that runs jobs on its devices.")
class Worker:
    hostname: str
    description: str | None
    state: WorkerState
    health: WorkerHealth
    last_ping: dt.datetime
    job_limit: int
    version: str | None

    @strawberry.field(description="The visible devices attached to this worker.")
    def devices(self, info: Info) -> list[Device]:
        return info.context.loaders.devices_by_worker.load(self.hostname)


@strawberry.type(description="A device's state and health after one of its `.device` events.")
class DeviceHistoryEntry:
    cursor: str = strawberry.field(
        description="The event's cursor: `deviceEvents(hostname, after: cursor)` streams the"
        " device's events that came after it."
    )
    timestamp: dt.datetime
    state: DeviceState
    health: DeviceHealth
    current_job: str | None = strawberry.field(
        description="The device's unfinished job then: its id, or its multinode sub-id."
    )


@strawberry.type(
    description="A page of a device's health history, read as of the event `streamCursor` names."
)
class DeviceHistory(Connection[DeviceHistoryEntry]):
    stream_cursor: str = strawberry.field(
        description="Pass as `after` to `deviceEvents(hostname)` to follow this history live:"
        " the newest event published when it was read (of any kind), so the stream replays"
        " only what came since, however long the device was quiet."
    )


DEFAULT_HISTORY = 20


@strawberry.type(description="A device under test.")
class Device:
    hostname: str
    description: str | None
    device_version: str | None
    state: DeviceState
    health: DeviceHealth
    is_synced: bool

    @strawberry.field
    def device_type(self, info: Info) -> DeviceType | None:
        return info.context.loaders.device_type.load(self.device_type_id)

    @strawberry.field
    def worker(self, info: Info) -> Worker | None:
        return info.context.loaders.worker.load(self.worker_host_id)

    @strawberry.field
    def tags(self, info: Info) -> list[Tag]:
        return info.context.loaders.device_tags.load(self.hostname)

    @strawberry.field(description="The unfinished job on this device, if the viewer may see it.")
    def current_job(self, info: Info) -> Job | None:
        return info.context.loaders.current_job.load(self.hostname)

    @strawberry.field(description="The newest jobs that ran or run on this device.")
    def recent_jobs(self, info: Info, limit: int = DEFAULT_RECENT_JOBS) -> list[Job]:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise BadInput(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        return info.context.loaders.recent_jobs(limit).load(self.hostname)

    @strawberry.field(
        description="The device's published state and health changes, newest first; `after`"
        " an entry's cursor gives older ones. Follow it with `deviceEvents` after its"
        " `streamCursor` (or its newest entry's cursor)."
    )
    def health_history(
        self, info: Info, first: int = DEFAULT_HISTORY, after: str | None = None
    ) -> DeviceHistory:
        return info.context.loaders.health_history(first, after).load(self.hostname)

    @strawberry.field(description="This device's jobs, as a filtered, paginated list.")
    async def jobs(
        self,
        info: Info,
        filter: JobFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Job]:
        spec = to_resolver_filter(JobFilter, filter, devices=[self.hostname])
        return await job_connection(
            info, spec, JobOrderBy.ID, Direction.DESC, first, after, last, before
        )


@strawberry.type(description="One test case result.")
class TestCase:
    id: int
    name: str
    result: TestResult
    measurement: decimal.Decimal | None
    units: str
    start_log_line: int | None
    end_log_line: int | None
    logged: dt.datetime

    @strawberry.field(description="The result line's mapping as LAVA stores it (YAML).")
    def metadata(self) -> str | None:
        return self.metadata_

    @strawberry.field
    def suite(self, info: Info) -> TestSuite | None:
        return info.context.loaders.suite.load(self.suite_id)

    @strawberry.field
    def test_set(self, info: Info) -> TestSet | None:
        return info.context.loaders.test_set.load(self.test_set_id)


def test_cases_field(scope: str) -> Any:
    """A filtered, paginated ``testCases`` field of the parent whose id fills ``scope``."""

    async def resolve(
        root: Any,
        info: Info,
        filter: TestCaseFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[TestCase]:
        spec = to_resolver_filter(results.TestCaseFilter, filter, **{scope: root.id})
        return await case_connection(info, spec, first, after, last, before)

    return strawberry.field(resolver=resolve, description="Test cases, in the order recorded.")


@strawberry.type(description="A named grouping of test cases inside a suite.")
class TestSet:
    id: int
    name: str | None
    test_cases: Connection[TestCase] = test_cases_field("test_set_id")


@strawberry.type(description="The results of one test definition run by a job.")
class TestSuite:
    id: int
    name: str | None
    test_cases: Connection[TestCase] = test_cases_field("suite_id")

    @strawberry.field
    def job(self, info: Info) -> Job | None:
        return info.context.loaders.job.load(self.job_id)

    @strawberry.field
    def sets(self, info: Info) -> list[TestSet]:
        return info.context.loaders.sets_by_suite.load(self.id)

    @strawberry.field
    def result_counts(self, info: Info) -> ResultCounts:
        return info.context.loaders.suite_counts.load(self.id)


@strawberry.type(description="A job's log: one YAML mapping per line, as LAVA writes it.")
class JobLog:
    content: strawberry.Private[str]

    @strawberry.field
    def line_count(self) -> int:
        return self.content.count("\n")

    @strawberry.field(description="Lines from ``start`` (0-based); all the rest by default.")
    def text(self, start: int = 0, count: int | None = None) -> str:
        if start < 0 or (count is not None and count < 0):
            raise BadInput("start and count must not be negative")
        lines = self.content.splitlines(keepends=True)
        end = None if count is None else start + count
        return "".join(lines[start:end])


@strawberry.type(
    description="One email, IRC message or callback of a job's notification, and how its "
    "delivery went. What was sent is never shown."
)
class Notification:
    id: int
    event: str = strawberry.field(description="What fired it: running or finished.")
    kind: NotificationKind = strawberry.field(resolver=lambda root: NotificationKind(root.kind))
    target: str | None = strawberry.field(
        description="Where it goes: an email address, nick@server for IRC, a callback URL. "
        "Shown to the job's submitter and superusers only; null for others."
    )
    status: NotificationStatus = strawberry.field(
        resolver=lambda root: NotificationStatus(root.status)
    )
    attempts: int
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; shown to those who see the target."
    )
    created: dt.datetime
    sent: dt.datetime | None
    next_attempt: dt.datetime | None = strawberry.field(
        description="When it is tried next; null unless pending."
    )


@strawberry.type(description="A test job.")
class Job:
    id: int
    sub_id: str
    description: str | None
    state: JobState
    health: JobHealth
    priority: int
    health_check: bool
    is_public: bool
    submit_time: dt.datetime
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    failure_comment: str | None
    target_group: str | None
    definition: str
    original_definition: str
    multinode_definition: str
    test_cases: Connection[TestCase] = test_cases_field("job_id")

    @strawberry.field(description="The definition's metadata block.")
    def metadata(self) -> JSON:
        return self.metadata_

    @strawberry.field(description="Seconds between start and end, once finished.")
    def duration(self) -> int | None:
        if self.start_time is None or self.end_time is None:
            return None
        return int((self.end_time - self.start_time).total_seconds())

    @strawberry.field
    def is_multinode(self) -> bool:
        return bool(self.target_group)

    @strawberry.field(description="The device the job was scheduled on.")
    def device(self, info: Info) -> Device | None:
        return info.context.loaders.device.load(self.actual_device_id)

    @strawberry.field
    def requested_device_type(self, info: Info) -> DeviceType | None:
        return info.context.loaders.device_type.load(self.requested_device_type_id)

    @strawberry.field
    def submitter(self, info: Info) -> User | None:
        return info.context.loaders.user.load(self.submitter_id)

    @strawberry.field(description="The device tags the job requires.")
    def tags(self, info: Info) -> list[Tag]:
        return info.context.loaders.job_tags.load(self.id)

    @strawberry.field
    def suites(self, info: Info) -> list[TestSuite]:
        return info.context.loaders.suites_by_job.load(self.id)

    @strawberry.field
    def result_counts(self, info: Info) -> ResultCounts:
        return info.context.loaders.job_counts.load(self.id)

    @strawberry.field(description="Its notifications' deliveries, oldest first.")
    def notifications(self, info: Info) -> list[Notification]:
        return info.context.loaders.notifications_by_job.load(self.id)

    @strawberry.field
    async def log(self, info: Info) -> JobLog | None:
        content = await results.get_job_log(info.context.ctx, self.id)
        return None if content is None else JobLog(content=content)

    @strawberry.field(
        description="Where to download the job's test results in a format: a path on this "
        "server (LAVA's REST file, streamed; fetch it with the same credentials). "
        "``classnamePrefix`` prefixes JUnit class names."
    )
    def results_url(self, format: ResultsFormat, classname_prefix: str | None = None) -> str:
        path = f"{REST_PREFIX}/jobs/{self.id}/{format.value}/"
        if classname_prefix and format is ResultsFormat.JUNIT:
            path += "?" + urllib.parse.urlencode({"classname_prefix": classname_prefix})
        return path


async def job_connection(
    info: Info,
    spec: JobFilter,
    order_by: JobOrderBy,
    direction: Direction,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[Job]:
    """A page of jobs, with the loaders its selection needs primed."""
    page = await jobs.list_jobs(
        info.context.ctx,
        spec,
        order=order_by,
        descending=direction is Direction.DESC,
        page=page_args(first, after, last, before),
    )
    await prefetch_page(info, "Job", page.items)
    return Connection(page=page)


async def case_connection(
    info: Info,
    spec: results.TestCaseFilter,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[TestCase]:
    """A page of test cases, with the loaders its selection needs primed."""
    page = await results.list_test_cases(
        info.context.ctx, spec, page=page_args(first, after, last, before)
    )
    await prefetch_page(info, "TestCase", page.items)
    return Connection(page=page)


async def prefetch_page(info: Info, type_name: str, items: list[Any]) -> None:
    """Prime the loaders the page's node selection will ask."""
    if items:
        selections = page_node_selections(info.selected_fields[0])
        await prefetch(info.context.loaders, type_name, items, selections)


def list_field(
    node_type: type, fetch: Callable[..., Awaitable[Page[Any]]], description: str
) -> Any:
    """A paginated list field of ``node_type`` served by ``fetch(ctx, page=...)``."""
    type_name = node_type.__strawberry_definition__.name

    async def resolve(
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        page = await fetch(info.context.ctx, page=page_args(first, after, last, before))
        await prefetch_page(info, type_name, page.items)
        return Connection(page=page)

    resolve.__annotations__["return"] = Connection[node_type]
    return strawberry.field(resolver=resolve, description=description)
