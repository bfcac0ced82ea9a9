"""Test results: suites, sets and cases of visible jobs, and their pass/fail counts."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

import yaml
from sqlalchemy import Select, func, select

from gql_server.db.models import JobLog, TestCase, TestJob, TestSet, TestSuite
from gql_server.lab.enums import TestResult
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.pagination import FIRST_PAGE, Page, PageArgs, SortKey, paginate
from gql_server.resolvers.permissions import job_visible


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
