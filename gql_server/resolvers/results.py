"""Test results: suites, sets and cases of visible jobs, and their pass/fail counts."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import yaml
from sqlalchemy import (
    Numeric,
    Row,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    not_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from gql_server.db.models import JobLog, TestCase, TestJob, TestSet, TestSuite, User
from gql_server.exports.junit import Junit, JunitTotals
from gql_server.exports.logs import log_lines
from gql_server.exports.records import stored_time_texts
from gql_server.exports.render import render_batches
from gql_server.exports.rows import CaseRow, SuiteRow
from gql_server.exports.tap13 import Tap13
from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput, NotFound, PermissionDenied, Unauthenticated
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.resolvers.lookups import Condition, FieldSet, order_columns, where_clauses
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import job_visible, visible_job_ids
from gql_server.resolvers.rows import existing


@dataclasses.dataclass(frozen=True)
class ResultCounts:
    """How many test cases ended in each result."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped + self.unknown


@dataclasses.dataclass(frozen=True)
class TestCaseFilter:
    """What users filter test cases by. Every given condition must hold."""

    __test__ = False

    job_id: int | None = None
    suite_id: int | None = None
    test_set_id: int | None = None
    results: Sequence[TestResult] | None = None
    suite_names: Sequence[str] | None = None
    names: Sequence[str] | None = None


def _counts(pairs: list[tuple[int, int]]) -> ResultCounts:
    by_result = dict(pairs)
    return ResultCounts(
        passed=by_result.get(TestResult.PASS, 0),
        failed=by_result.get(TestResult.FAIL, 0),
        skipped=by_result.get(TestResult.SKIP, 0),
        unknown=by_result.get(TestResult.UNKNOWN, 0),
    )


async def _visible_suites(ctx: RequestContext) -> Select:
    return (
        select(TestSuite)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(await job_visible(ctx))
    )


async def get_suite(ctx: RequestContext, suite_id: int) -> TestSuite | None:
    """The suite with this id, or None when absent or its job is not visible."""
    statement = (await _visible_suites(ctx)).where(TestSuite.id == suite_id)
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def suites_by_id(ctx: RequestContext, ids: Sequence[int]) -> dict[int, TestSuite]:
    """Suites of visible jobs by id (a data-loader batch)."""
    statement = (await _visible_suites(ctx)).where(TestSuite.id.in_(list(ids)))
    async with ctx.db() as session:
        return {suite.id: suite for suite in await session.scalars(statement)}


async def suites_by_job(ctx: RequestContext, job_ids: Sequence[int]) -> dict[int, list[TestSuite]]:
    """The suites of each visible job, in the order they were recorded (a data-loader batch)."""
    statement = (
        (await _visible_suites(ctx))
        .where(TestSuite.job_id.in_(list(job_ids)))
        .order_by(TestSuite.id)
    )
    grouped: dict[int, list[TestSuite]] = defaultdict(list)
    async with ctx.db() as session:
        for suite in await session.scalars(statement):
            grouped[suite.job_id].append(suite)
    return grouped


async def sets_by_suite(ctx: RequestContext, suite_ids: Sequence[int]) -> dict[int, list[TestSet]]:
    """The test sets of each suite of a visible job (a data-loader batch)."""
    statement = (
        select(TestSet)
        .join(TestSuite, TestSuite.id == TestSet.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(TestSet.suite_id.in_(list(suite_ids)), await job_visible(ctx))
        .order_by(TestSet.id)
    )
    grouped: dict[int, list[TestSet]] = defaultdict(list)
    async with ctx.db() as session:
        for test_set in await session.scalars(statement):
            grouped[test_set.suite_id].append(test_set)
    return grouped


async def sets_by_id(ctx: RequestContext, ids: Sequence[int]) -> dict[int, TestSet]:
    """Test sets of visible jobs by id (a data-loader batch)."""
    statement = (
        select(TestSet)
        .join(TestSuite, TestSuite.id == TestSet.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(TestSet.id.in_(list(ids)), await job_visible(ctx))
    )
    async with ctx.db() as session:
        return {test_set.id: test_set for test_set in await session.scalars(statement)}


async def _visible_cases(ctx: RequestContext) -> Select:
    return (
        select(TestCase)
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(await job_visible(ctx))
    )


def case_filter_clauses(spec: TestCaseFilter) -> list:
    """SQL conditions for a :class:`TestCaseFilter`."""
    clauses = []
    if spec.job_id is not None:
        clauses.append(TestSuite.job_id == spec.job_id)
    if spec.suite_id is not None:
        clauses.append(TestCase.suite_id == spec.suite_id)
    if spec.test_set_id is not None:
        clauses.append(TestCase.test_set_id == spec.test_set_id)
    if spec.results is not None:
        clauses.append(TestCase.result.in_([int(r) for r in spec.results]))
    if spec.suite_names is not None:
        clauses.append(TestSuite.name.in_(list(spec.suite_names)))
    if spec.names is not None:
        clauses.append(TestCase.name.in_(list(spec.names)))
    return clauses


async def get_test_case(ctx: RequestContext, case_id: int) -> TestCase | None:
    """The test case with this id, or None when absent or its job is not visible."""
    statement = (await _visible_cases(ctx)).where(TestCase.id == case_id)
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def list_test_cases(
    ctx: RequestContext, spec: TestCaseFilter, page: PageArgs = FIRST_PAGE
) -> Page[TestCase]:
    """One page of test cases of visible jobs, in the order they were recorded."""
    statement = (await _visible_cases(ctx)).where(*case_filter_clauses(spec))
    return await paginate(ctx, statement, SortKey(TestCase.id, TestCase.id), page)


async def _result_counts(ctx: RequestContext, group_column, keys: Sequence[int]) -> dict:
    statement = (
        select(group_column, TestCase.result, func.count())
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(group_column.in_(list(keys)), await job_visible(ctx))
        .group_by(group_column, TestCase.result)
    )
    grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
    async with ctx.db() as session:
        for key, result, count in await session.execute(statement):
            grouped[key].append((result, count))
    return {key: _counts(pairs) for key, pairs in grouped.items()}


async def result_counts_by_job(
    ctx: RequestContext, job_ids: Sequence[int]
) -> dict[int, ResultCounts]:
    """Pass/fail/skip/unknown counts of each visible job (a data-loader batch)."""
    return await _result_counts(ctx, TestSuite.job_id, job_ids)


async def result_counts_by_suite(
    ctx: RequestContext, suite_ids: Sequence[int]
) -> dict[int, ResultCounts]:
    """Pass/fail/skip/unknown counts of each suite of a visible job (a data-loader batch)."""
    return await _result_counts(ctx, TestCase.suite_id, suite_ids)


async def get_job_log(ctx: RequestContext, job_id: int) -> str | None:
    """The log of a visible job in LAVA's ``output.yaml`` format, or None."""
    statement = (
        select(JobLog.content)
        .join(TestJob, TestJob.id == JobLog.job_id)
        .where(JobLog.job_id == job_id, await job_visible(ctx))
    )
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


@dataclasses.dataclass(frozen=True)
class JobError:
    """Why a job failed, as its ``lava``/``job`` test case records it."""

    message: str | None = None
    kind: str | None = None


def _job_error(metadata: str | None) -> JobError:
    try:
        fields = yaml.safe_load(metadata or "") or {}
    except yaml.YAMLError:
        return JobError()
    if not isinstance(fields, dict):
        return JobError()
    message, kind = fields.get("error_msg"), fields.get("error_type")
    return JobError(
        message if isinstance(message, str) else None, kind if isinstance(kind, str) else None
    )


async def job_errors(ctx: RequestContext, job_ids: Sequence[int]) -> dict[int, JobError]:
    """The error message and type of each visible job that recorded one (one batch)."""
    statement = (
        select(TestSuite.job_id, TestCase.metadata_)
        .join(TestCase, TestCase.suite_id == TestSuite.id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(
            TestSuite.job_id.in_(list(job_ids)),
            TestSuite.name == "lava",
            TestCase.name == "job",
            await job_visible(ctx),
        )
    )
    async with ctx.db() as session:
        rows = (await session.execute(statement)).all()
    return {job_id: _job_error(metadata) for job_id, metadata in rows}


SUITE_NOT_FOUND = "Specified test suite not found."
CASE_NOT_FOUND = "Specified test case not found."


# --- limit/offset windows of a job's suites and cases (LAVA's REST lists) ------------------


async def results_job(ctx: RequestContext, job_id: int) -> TestJob:
    """The job whose suites and cases are asked for, as LAVA master checks it: NotFound
    when there is no such job, PermissionDenied when the viewer may not see it."""
    async with ctx.db() as session:
        job = await existing(session, TestJob, job_id, f"Job '{job_id}' was not found.")
    if job.id not in await visible_job_ids(ctx, [job.id]):
        raise PermissionDenied(f"Job '{job_id}' is not visible.")
    return job


async def _counted_window(
    ctx: RequestContext,
    matching: Select,
    key: Any,
    fields: FieldSet,
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Any]]:
    """How many rows ``matching`` selects, and ``limit`` of them from ``offset`` in
    ``ordering`` ((field, descending) pairs of ``fields``), then by ``key`` (a unique
    column). In the order of ``key`` alone, the window seeks its first key in the index
    (only keys are skipped, in the database) and reads its rows from there."""
    counting = select(func.count()).select_from(matching.with_only_columns(key).subquery())
    terms = order_columns(fields, ordering)
    window = matching.order_by(*terms, key).limit(limit)
    if offset and terms:
        window = window.offset(offset)
    elif offset:
        first = matching.with_only_columns(key).order_by(key).offset(offset).limit(1)
        window = window.where(key >= first.scalar_subquery())
    async with ctx.db() as session:
        count = await session.scalar(counting)
        return count or 0, list(await session.scalars(window))


async def counted_suites_window(
    ctx: RequestContext,
    job_id: int,
    offset: int,
    limit: int,
    conditions: Sequence[Condition] = (),
    ordering: Sequence[tuple[str, bool]] = (),
) -> tuple[int, list[TestSuite]]:
    """How many suites of a visible job meet every one of ``conditions`` (on the
    ``test_suite`` field set), and ``limit`` of them from ``offset`` in ``ordering``, then
    in the order they were recorded."""
    clauses = await where_clauses(ctx, FIELD_SETS, "test_suite", conditions)
    matching = (await _visible_suites(ctx)).where(TestSuite.job_id == job_id, *clauses)
    fields = FIELD_SETS["test_suite"]
    return await _counted_window(ctx, matching, TestSuite.id, fields, ordering, offset, limit)


async def _suite_of_visible_job(ctx: RequestContext, job_id: int, which: Any) -> TestSuite:
    """The suite of a visible job that ``which`` (a clause on TestSuite) picks; NotFound
    with LAVA's text when there is none."""
    statement = (await _visible_suites(ctx)).where(TestSuite.job_id == job_id, which)
    async with ctx.db() as session:
        suite = (await session.scalars(statement)).first()
    if suite is None:
        raise NotFound(SUITE_NOT_FOUND)
    return suite


async def suite_of_visible_job(ctx: RequestContext, job_id: int, suite_id: int) -> TestSuite:
    """Suite ``suite_id`` of a visible job; NotFound when the job holds no such suite."""
    return await _suite_of_visible_job(ctx, job_id, TestSuite.id == suite_id)


async def counted_cases_window(
    ctx: RequestContext,
    job_id: int,
    suite_id: int | None,
    offset: int,
    limit: int,
    conditions: Sequence[Condition] = (),
    ordering: Sequence[tuple[str, bool]] = (),
) -> tuple[int, list[TestCase]]:
    """How many test cases of a visible job (of one of its suites, when given) meet every
    one of ``conditions`` (on the ``test_case`` field set), and ``limit`` of them from
    ``offset`` in ``ordering``, then in the order they were recorded; two statements
    whatever the offset (one more per relation chosen by primary key)."""
    clauses = await where_clauses(ctx, FIELD_SETS, "test_case", conditions)
    suite = aliased(TestSuite)  # the filters' own subqueries on suites stay uncorrelated
    matching = (
        select(TestCase)
        .join(suite, suite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == suite.job_id)
        .where(suite.job_id == job_id, await job_visible(ctx), *clauses)
    )
    if suite_id is not None:
        matching = matching.where(TestCase.suite_id == suite_id)
    fields = FIELD_SETS["test_case"]
    return await _counted_window(ctx, matching, TestCase.id, fields, ordering, offset, limit)


async def case_of_visible_job(
    ctx: RequestContext, job_id: int, case_id: int, suite_id: int | None = None
) -> TestCase:
    """Test case ``case_id`` of a visible job (and of suite ``suite_id`` when given);
    NotFound otherwise."""
    spec = TestCaseFilter(job_id=job_id, suite_id=suite_id)
    statement = (await _visible_cases(ctx)).where(
        *case_filter_clauses(spec), TestCase.id == case_id
    )
    async with ctx.db() as session:
        case = (await session.scalars(statement)).first()
    if case is None:
        raise NotFound(CASE_NOT_FOUND)
    return case


# --- exports: rows of a visible job or suite, read in batches -----------------------------

EXPORT_BATCH = 4000
"""Rows read per statement when exporting; memory stays that of one batch."""


@dataclasses.dataclass(frozen=True)
class Window:
    """A slice of an ordered export: skip ``offset`` rows, keep at most ``limit``
    (None: all the rest)."""

    offset: int = 0
    limit: int | None = None


async def suite_of_job(ctx: RequestContext, job_id: int, name: str) -> TestSuite:
    """The suite called ``name`` of a visible job; NotFound with LAVA's text otherwise."""
    return await _suite_of_visible_job(ctx, job_id, TestSuite.name == name)


async def suite_row_batches(
    ctx: RequestContext, job_id: int, batch_size: int = EXPORT_BATCH
) -> AsyncIterator[list[SuiteRow]]:
    """The suites of a visible job in the order they were recorded, batch by batch."""
    statement = (
        select(TestSuite.id, TestSuite.job_id, TestSuite.name)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(TestSuite.job_id == job_id, await job_visible(ctx))
    )
    async for rows in _keyset_batches(ctx, statement, TestSuite.id, batch_size):
        yield [SuiteRow(*row) for row in rows]


def _case_rows_statement() -> Select:
    return (
        select(
            TestCase.id,
            TestCase.name,
            TestSuite.job_id,
            TestCase.suite_id,
            TestSuite.name,
            TestCase.result,
            type_coerce(TestCase.measurement, NullType()),  # read as the driver hands them
            TestCase.units,
            TestCase.metadata_,
            TestCase.start_log_line,
            TestCase.end_log_line,
            type_coerce(TestCase.logged, NullType()),  # over: see _case_rows
        )
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
    )


def _case_rows(rows: Sequence[Row]) -> list[CaseRow]:
    """Export rows of :func:`_case_rows_statement`'s rows. The measurement and the time
    are read unconverted, so that the statement's rows need no processing: the
    measurement becomes the Decimal its column type gives (from SQLite's text or
    PostgreSQL's Decimal), the time is written straight as the exports' text (SQLite's
    stored text mostly needs no parsing)."""
    times = stored_time_texts([row[-1] for row in rows])
    return [
        CaseRow(id_, name, job, suite_id, suite, result,
                None if measured is None else Decimal(measured), units, metadata, start, end,
                logged)
        for (id_, name, job, suite_id, suite, result, measured, units, metadata, start, end, _),
        logged in zip(rows, times, strict=True)
    ]  # fmt: skip


async def job_case_batches(
    ctx: RequestContext,
    job_id: int,
    by_suite: bool = True,
    window: Window | None = None,
    batch_size: int = EXPORT_BATCH,
) -> AsyncIterator[list[CaseRow]]:
    """The test cases of a visible job, batch by batch: suite after suite (LAVA 2023.01's
    exports), or with ``by_suite`` false in the order they were recorded (LAVA master's
    REST exports); ``window`` keeps a slice of that order.

    Every statement reads one suite's cases in the order of the (suite, id) index and
    stops after one batch, so the cost of a batch does not grow with the size of the job;
    the order of the whole job merges the suites' ordered runs.
    """
    statement = _case_rows_statement().where(TestSuite.job_id == job_id, await job_visible(ctx))
    suites = [suite.id async for batch in suite_row_batches(ctx, job_id) for suite in batch]
    window = window or Window()
    if not by_suite:
        async for rows in _merged_by_id(ctx, statement, suites, window, batch_size):
            yield _case_rows(rows)
        return
    offset, remaining = window.offset, window.limit
    for suite_id in suites:
        if offset:
            size = await count_suite_cases(ctx, suite_id)
            if size <= offset:
                offset -= size
                continue
        in_suite = statement.where(TestCase.suite_id == suite_id)
        part = Window(offset, remaining)
        async for rows in _keyset_batches(ctx, in_suite, TestCase.id, batch_size, part):
            remaining = None if remaining is None else remaining - len(rows)
            yield _case_rows(rows)
        offset = 0
        if remaining == 0:
            return


async def _merged_by_id(
    ctx: RequestContext,
    statement: Select,
    suite_ids: Sequence[int],
    window: Window,
    batch_size: int,
) -> AsyncIterator[list[Row]]:
    """The rows of ``statement`` (test cases of one job) ordered by id across the suites:
    each suite is read in id order, batch by batch, and the runs merged. A window's
    offset is found in the database (its first id), never by reading the rows before."""
    if window.limit is not None:
        batch_size = max(1, min(batch_size, window.limit))
    if window.offset:
        first = statement.with_only_columns(TestCase.id).order_by(TestCase.id)
        async with ctx.db() as session:
            start = await session.scalar(first.offset(window.offset).limit(1))
        if start is None:
            return
        statement = statement.where(TestCase.id >= start)
    streams = [
        _keyset_batches(ctx, statement.where(TestCase.suite_id == suite), TestCase.id, batch_size)
        for suite in suite_ids
    ]
    remaining = window.limit
    async for rows in merge_runs(streams, batch_size):
        if remaining is not None:
            rows = rows[:remaining]
            remaining -= len(rows)
        yield rows
        if remaining == 0:
            return


async def merge_runs(
    streams: Sequence[AsyncIterator[list[Row]]], batch_size: int
) -> AsyncIterator[list[Row]]:
    """Streams of batches of rows, each ordered by its first column, merged into one such
    stream of batches of about ``batch_size`` rows. Rows move in runs (every row of one
    stream below the next head of the others), not one at a time."""
    heads: list[tuple[list[Row], int, AsyncIterator[list[Row]]]] = []
    for stream in streams:
        batch = await anext(stream, None)
        if batch:
            heads.append((batch, 0, stream))
    merged: list[Row] = []
    while heads:
        lowest = min(range(len(heads)), key=lambda h: heads[h][0][heads[h][1]][0])
        rows, at, stream = heads[lowest]
        others = [heads[h][0][heads[h][1]][0] for h in range(len(heads)) if h != lowest]
        end = bisect.bisect_left(rows, min(others), lo=at, key=_first) if others else len(rows)
        merged.extend(rows[at:end])
        if end < len(rows):
            heads[lowest] = (rows, end, stream)
        else:
            following = await anext(stream, None)
            if following:
                heads[lowest] = (following, 0, stream)
            else:
                del heads[lowest]
        if len(merged) >= batch_size:
            yield merged
            merged = []
    if merged:
        yield merged


def _first(row: Row) -> Any:
    return row[0]


async def suite_case_batches(
    ctx: RequestContext,
    suite_id: int,
    name: str | None = None,
    window: Window | None = None,
    batch_size: int = EXPORT_BATCH,
) -> AsyncIterator[list[CaseRow]]:
    """The test cases of a suite of a visible job (those called ``name`` when given) in the
    order they were recorded, batch by batch; ``window`` keeps a slice of them."""
    statement = _case_rows_statement().where(TestCase.suite_id == suite_id, await job_visible(ctx))
    if name is not None:
        statement = statement.where(TestCase.name == name)
    async for rows in _keyset_batches(ctx, statement, TestCase.id, batch_size, window):
        yield _case_rows(rows)


async def count_suite_cases(ctx: RequestContext, suite_id: int) -> int:
    """How many test cases a suite of a visible job holds."""
    statement = (
        select(func.count())
        .select_from(TestCase)
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(TestCase.suite_id == suite_id, await job_visible(ctx))
    )
    async with ctx.db() as session:
        return int((await session.execute(statement)).scalar_one())


async def count_job_cases(ctx: RequestContext, job_id: int) -> int:
    """How many test cases a visible job holds."""
    statement = (
        select(func.count())
        .select_from(TestCase)
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .join(TestJob, TestJob.id == TestSuite.job_id)
        .where(TestSuite.job_id == job_id, await job_visible(ctx))
    )
    async with ctx.db() as session:
        return int((await session.execute(statement)).scalar_one())


async def failure_log_lines(ctx: RequestContext, job_id: int) -> list[str]:
    """The lines of a visible job's log when a failed case points into it (TAP and JUnit
    quote them); none otherwise, without reading the log."""
    failed_with_range = (
        select(TestCase.id)
        .join(TestSuite, TestSuite.id == TestCase.suite_id)
        .where(
            TestSuite.job_id == job_id,
            TestCase.result == int(TestResult.FAIL),
            TestCase.start_log_line.is_not(None),
            TestCase.end_log_line.is_not(None),
        )
        .exists()
    )
    async with ctx.db() as session:
        needed = bool(await session.scalar(select(failed_with_range)))
    return log_lines(await get_job_log(ctx, job_id)) if needed else []


async def job_tap13(ctx: RequestContext, job_id: int) -> AsyncIterator[str]:
    """The TAP 13 export of a visible job, in chunks, reading its cases in batches."""
    total = await count_job_cases(ctx, job_id)
    layout = Tap13(total, await failure_log_lines(ctx, job_id))
    async for chunk in render_batches(layout, job_case_batches(ctx, job_id)):
        yield chunk


async def job_junit(
    ctx: RequestContext, job: TestJob, classname_prefix: str = ""
) -> AsyncIterator[str]:
    """The JUnit XML export of a visible job, in chunks. The suites' totals come first:
    the database counts the cases, and only cases whose metadata mentions a duration are
    read to add those up; then every case is read, in batches, and written."""
    suites = [suite async for batch in suite_row_batches(ctx, job.id) for suite in batch]
    totals = JunitTotals(suites)
    counts = await result_counts_by_suite(ctx, [suite.id for suite in suites])
    for suite_id, counted in counts.items():
        totals.count(suite_id, counted.total, counted.failed, counted.skipped)
    timed = _case_rows_statement().where(
        TestSuite.job_id == job.id, TestCase.metadata_.contains("duration")
    )
    for suite in suites:
        in_suite = timed.where(TestCase.suite_id == suite.id)
        async for rows in _keyset_batches(ctx, in_suite, TestCase.id, EXPORT_BATCH):
            totals.add_durations(_case_rows(rows))
    log = await failure_log_lines(ctx, job.id)
    layout = Junit(totals, job.end_time, log, classname_prefix)
    async for chunk in render_batches(layout, job_case_batches(ctx, job.id)):
        yield chunk


async def _keyset_batches(
    ctx: RequestContext,
    statement: Select,
    key: Any,
    batch_size: int,
    window: Window | None = None,
) -> AsyncIterator[list[Row]]:
    """Rows of ``statement`` in the order of ``key`` (a unique column it selects), one
    statement per batch, each resuming after the last row of the previous."""
    window = window or Window()
    remaining = window.limit
    position = _selected_index(statement, key)
    last: Any = None
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        page = statement.order_by(key).limit(size)
        if last is None:
            page = page.offset(window.offset) if window.offset else page
        else:
            page = page.where(key > last)
        async with ctx.db() as session:  # rows as tuples: no ORM loading
            connection = await session.connection()
            rows = list((await connection.execute(page)).all())
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1][position]
        remaining = None if remaining is None else remaining - len(rows)


def _selected_index(statement: Select, column: Any) -> int:
    for index, selected in enumerate(statement.selected_columns):
        if selected.compare(column.expression):
            return index
    raise ValueError(f"{column} is not selected")


# --- custom queries: LAVA's condition strings over jobs, suites and cases -------------------

WRONG_ENTITY = "Wrong table name in entity parameter. Please refer to query docs."
WRONG_FIELD = "Conditions URL incorrect: Field does not exist. Please refer to query docs."
QUERY_OPERATORS = ("exact", "iexact", "ne", "icontains", "gt", "lt")
CASE_RESULT_LABELS = {
    TestResult.PASS: "Test passed",
    TestResult.FAIL: "Test failed",
    TestResult.SKIP: "Test skipped",
    TestResult.UNKNOWN: "Unknown outcome",
}
_ENTITIES: dict[str, Any] = {"testjob": TestJob, "testsuite": TestSuite, "testcase": TestCase}
_PARENTS = {"testjob": ("testjob",), "testsuite": ("testsuite", "testjob")}
_PARENTS["testcase"] = ("testcase", *_PARENTS["testsuite"])
ATTRIBUTE_TABLE = "namedtestattribute"


class MalformedConditions(ValueError):
    """A condition string LAVA's parser cannot take (LAVA fails with an internal error)."""


@dataclasses.dataclass(frozen=True)
class QueryCondition:
    """One condition of a custom query: ``table.field <operator> value``."""

    table: str
    field: str
    operator: str
    value: str


@dataclasses.dataclass(frozen=True)
class _Field:
    column: Any
    kind: str  # text, int, bool, time, decimal, user, or a choice: display name -> value
    choices: dict[str, int] | None = None


def _choices(labels: dict[Any, str]) -> dict[str, int]:
    return {label.lower(): int(value) for value, label in labels.items()}


_FIELDS: dict[str, dict[str, _Field]] = {
    "testjob": {
        "submitter": _Field(TestJob.submitter_id, "user"),
        "start_time": _Field(TestJob.start_time, "time"),
        "end_time": _Field(TestJob.end_time, "time"),
        "state": _Field(TestJob.state, "choice", _choices({s: s.display for s in JobState})),
        "health": _Field(TestJob.health, "choice", _choices({h: h.display for h in JobHealth})),
        "actual_device": _Field(TestJob.actual_device_id, "text"),
        "requested_device_type": _Field(TestJob.requested_device_type_id, "text"),
        "health_check": _Field(TestJob.health_check, "bool"),
        "priority": _Field(TestJob.priority, "int"),
        "description": _Field(TestJob.description, "text"),
    },
    "testsuite": {"name": _Field(TestSuite.name, "text")},
    "testcase": {
        "name": _Field(TestCase.name, "text"),
        "result": _Field(TestCase.result, "choice", _choices(CASE_RESULT_LABELS)),
        "measurement": _Field(TestCase.measurement, "decimal"),
    },
}


def parse_conditions(entity: str, text: str) -> list[QueryCondition]:
    """The conditions of a LAVA condition string for a query on ``entity``.

    Conditions are separated by commas; each is ``field__value`` (exact match),
    ``field__operator__value`` or ``table__field__operator__value``. BadInput with LAVA's
    texts for an unknown table or field, MalformedConditions for anything else amiss.
    """
    if entity not in _ENTITIES:
        raise BadInput(WRONG_ENTITY)
    if not text:
        return []
    return [_condition(entity, part) for part in text.split(",")]


def _condition(entity: str, text: str) -> QueryCondition:
    parts = text.split("__")
    if len(parts) == 2:
        parts = [entity, parts[0], "exact", parts[1]]
    elif len(parts) == 3:
        parts = [entity, *parts]
    elif len(parts) != 4:
        raise MalformedConditions(f"Conditions URL incorrect: {text!r}")
    table, field, operator, value = parts
    if table not in _FIELDS and table != ATTRIBUTE_TABLE:
        raise BadInput(WRONG_ENTITY)
    if table != ATTRIBUTE_TABLE and field not in _FIELDS[table]:
        raise BadInput(WRONG_FIELD)
    if operator not in QUERY_OPERATORS:
        raise MalformedConditions(f"Unsupported lookup '{operator}' for field '{field}'")
    return QueryCondition(table, field, operator, value)


def _typed(field: _Field, value: str) -> Any:
    try:
        if field.kind == "int":
            return int(value)
        if field.kind == "decimal":
            return Decimal(value)
        if field.kind == "time":
            moment = dt.datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except (ValueError, ArithmeticError) as exc:
        raise MalformedConditions(f"'{value}' value has an invalid format") from exc
    if field.kind == "bool":
        return value != "False"
    return value


def _matches(column: Any, operator: str, value: Any) -> Any:
    """``column`` compared with ``value`` by a LAVA query operator (``ne`` as ``exact``:
    the caller negates)."""
    if operator == "iexact":
        return func.lower(column) == value.lower()
    if operator == "icontains":
        return column.ilike(f"%{_escape_like(value)}%", escape="\\")
    if operator == "gt":
        return column > value
    if operator == "lt":
        return column < value
    return column == value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _choice_clause(field: _Field, operator: str, value: str) -> Any:
    choices = field.choices or {}
    if operator == "icontains":
        wanted = [code for label, code in choices.items() if value.lower() in label]
        return field.column.in_(wanted)
    code = choices.get(value.lower())
    if code is None:
        return false()
    return _matches(field.column, "exact" if operator == "iexact" else operator, code)


def _field_clause(field: _Field, operator: str, value: str) -> Any:
    if field.choices is not None:
        return _choice_clause(field, operator, value)
    if field.kind == "user":
        if operator in ("gt", "lt"):
            raise MalformedConditions("Related Field got invalid lookup")
        users = select(User.id).where(_matches(User.username, operator, value))
        return field.column.in_(users)
    if field.kind == "text":
        return _matches(field.column, operator, value)
    if operator == "icontains":
        return cast(field.column, String).ilike(f"%{_escape_like(value)}%", escape="\\")
    column = cast(field.column, Numeric()) if field.kind == "decimal" else field.column
    return _matches(column, "exact" if operator == "iexact" else operator, _typed(field, value))


def _condition_clause(condition: QueryCondition) -> Any:
    """The SQL test of one condition on its own table (``ne`` tested as ``exact``)."""
    field = _FIELDS[condition.table][condition.field]
    operator = "exact" if condition.operator == "ne" else condition.operator
    return _field_clause(field, operator, condition.value)


def _children_rows(entity: str, table: str) -> Select:
    """Rows of ``table`` belonging to the current ``entity`` row (a correlated select)."""
    if table == "testsuite":
        return select(TestSuite.id).where(TestSuite.job_id == TestJob.id)
    if entity == "testjob":
        return (
            select(TestCase.id)
            .join(TestSuite, TestSuite.id == TestCase.suite_id)
            .where(TestSuite.job_id == TestJob.id)
        )
    return select(TestCase.id).where(TestCase.suite_id == TestSuite.id)


def conditions_clauses(entity: str, conditions: Sequence[QueryCondition]) -> list[Any]:
    """SQL conditions on a select of ``entity`` joined with its suite and job.

    Conditions on the entity, its suite or its job test those rows; conditions on its
    suites or cases hold when one of them (the same one for all) matches; ``ne`` excludes
    the rows that match. Job attributes (LAVA's legacy TestData) match nothing: this
    server holds none.
    """
    clauses: list[Any] = []
    related: dict[str, list[Any]] = defaultdict(list)
    for condition in conditions:
        if condition.table == ATTRIBUTE_TABLE:
            clauses.append(true() if condition.operator == "ne" else false())
            continue
        clause = _condition_clause(condition)
        if condition.table in _PARENTS[entity]:
            field = _FIELDS[condition.table][condition.field]
            excluded = and_(clause, field.column.is_not(None))
            clauses.append(not_(excluded) if condition.operator == "ne" else clause)
        elif condition.operator == "ne":
            clauses.append(~_children_rows(entity, condition.table).where(clause).exists())
        else:
            related[condition.table].append(clause)
    for table, matching in related.items():
        clauses.append(_children_rows(entity, table).where(*matching).exists())
    return clauses


async def custom_query(
    ctx: RequestContext, entity: str, conditions: Sequence[QueryCondition], limit: int
) -> list[Any]:
    """Up to ``limit`` visible jobs, suites or cases (``entity``) matching every condition,
    newest first."""
    model = _ENTITIES[entity]
    statement = select(model)
    if entity == "testcase":
        statement = statement.join(TestSuite, TestSuite.id == TestCase.suite_id)
    if entity != "testjob":
        statement = statement.join(TestJob, TestJob.id == TestSuite.job_id)
    statement = (
        statement.where(await job_visible(ctx), *conditions_clauses(entity, conditions))
        .order_by(model.id.desc())
        .limit(limit)
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def run_saved_query(ctx: RequestContext, owner: str, name: str, limit: int) -> list[Any]:
    """The results of a user's saved query. Saved queries are a LAVA web-UI feature this
    server does not hold, so none exists: NotFound with LAVA's text."""
    raise NotFound(f"Query with name {name} owned by user {owner} does not exist.")


async def refresh_saved_query(ctx: RequestContext, owner: str, name: str) -> None:
    """Refresh the cached results of a user's saved query: none exists (see
    :func:`run_saved_query`)."""
    raise NotFound(f"Query with name {name} owned by user {owner} does not exist.")


async def refresh_saved_queries(ctx: RequestContext) -> None:
    """Refresh every saved query's cached results: superusers only (Unauthenticated with
    LAVA's text otherwise); with no saved queries held, nothing to do."""
    if not ctx.viewer.is_superuser:
        raise Unauthenticated(
            f"Permission denied for user {ctx.viewer.username}. "
            "Must be a superuser to refresh all queries."
        )
