"""``jobs/<id>/suites/`` and ``jobs/<id>/tests/``: a job's suites and test cases.

As in LAVA master, every route first checks the job: 404 when there is none, 403 when the
caller may not see it (LAVA 2023.01 served them to anyone). Lists are limit/offset pages
ordered by id (or by ``ordering``), filtered by LAVA's test suite and test case filters.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import TestCase, TestSuite
from gql_server.lab.enums import TestResult
from gql_server.resolvers import results
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.filter_fields import FIELD_SETS
from gql_server.rest.fields import lookup_id
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer, api_url, lava_datetime
from gql_server.rest.routing import Endpoint, read_only

_TEN_PLACES = Decimal("1e-10")
# DRF's default ordering fields: the model-backed ones (rest-v02.md §6).
SUITE_ORDERING = frozenset(FIELD_SETS["test_suite"])
CASE_ORDERING = frozenset(FIELD_SETS["test_case"])


async def checked_job_id(ctx: RequestContext, request: Request) -> int:
    """The path's job id, once the resolvers agree that it names a job the caller may see."""
    job = await results.results_job(ctx, lookup_id(request, "job_id"))
    return job.id


def measurement_text(value: Decimal | None) -> str | None:
    """DRF's decimal string with LAVA's 10 decimal places (``"20.2800000000"``)."""
    return None if value is None else str(value.quantize(_TEN_PLACES))


def suite_json(request: Request, suite: TestSuite) -> dict[str, Any]:
    """A suite as LAVA's serializer writes it."""
    return {
        "id": suite.id,
        "resource_uri": api_url(request, f"jobs/{suite.job_id}/suites/{suite.id}/"),
        "name": suite.name,
        "job": suite.job_id,
    }


def case_json(request: Request, job_id: int, case: TestCase) -> dict[str, Any]:
    """A test case as LAVA's serializer writes it (its URL always under its suite)."""
    return {
        "id": case.id,
        "result": TestResult(case.result).display,
        "resource_uri": api_url(request, f"jobs/{job_id}/suites/{case.suite_id}/tests/{case.id}/"),
        "unit": case.units or "",
        "name": case.name,
        "measurement": measurement_text(case.measurement),
        "metadata": case.metadata_,
        "start_log_line": case.start_log_line,
        "end_log_line": case.end_log_line,
        "logged": lava_datetime(case.logged),
        "suite": case.suite_id,
        "test_set": case.test_set_id,
    }


async def suite_list(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/``: one page of the job's suites that match the filters."""
    job_id = await checked_job_id(ctx, request)
    params, window = request.query_params, Window.of(request)
    count, found = await results.counted_suites_window(
        ctx,
        job_id,
        window.offset,
        window.limit,
        conditions(params, "test_suite"),
        ordering(params, SUITE_ORDERING),
    )
    return answer(page(request, window, count, [suite_json(request, s) for s in found]))


async def suite_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/<sid>/``: one suite of the job."""
    job_id = await checked_job_id(ctx, request)
    suite = await results.suite_of_visible_job(ctx, job_id, lookup_id(request, "suite_id"))
    return answer(suite_json(request, suite))


async def _case_page(
    ctx: RequestContext, request: Request, job_id: int, suite_id: int | None
) -> Response:
    params, window = request.query_params, Window.of(request)
    count, found = await results.counted_cases_window(
        ctx,
        job_id,
        suite_id,
        window.offset,
        window.limit,
        conditions(params, "test_case"),
        ordering(params, CASE_ORDERING),
    )
    rows = [case_json(request, job_id, case) for case in found]
    return answer(page(request, window, count, rows))


async def job_case_list(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/tests/``: one page of the job's test cases that match the filters."""
    return await _case_page(ctx, request, await checked_job_id(ctx, request), None)


async def suite_case_list(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/<sid>/tests/``: one page of one suite's test cases that match
    the filters."""
    job_id = await checked_job_id(ctx, request)
    return await _case_page(ctx, request, job_id, lookup_id(request, "suite_id"))


async def job_case_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/tests/<tid>/``: one test case of the job."""
    job_id = await checked_job_id(ctx, request)
    case = await results.case_of_visible_job(ctx, job_id, lookup_id(request, "case_id"))
    return answer(case_json(request, job_id, case))


async def suite_case_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/<sid>/tests/<tid>/``: one test case of the suite."""
    job_id = await checked_job_id(ctx, request)
    case = await results.case_of_visible_job(
        ctx, job_id, lookup_id(request, "case_id"), lookup_id(request, "suite_id")
    )
    return answer(case_json(request, job_id, case))


ENDPOINTS = [
    Endpoint(
        "/jobs/{job_id}/suites/",
        "Test Suite List",
        {"GET": suite_list},
        filters="test_suite",
        ordering=SUITE_ORDERING,
        paginated=True,
    ),
    Endpoint(
        "/jobs/{job_id}/suites/{suite_id}/tests/",
        "Test Case List",
        {"GET": suite_case_list},
        filters="test_case",
        ordering=CASE_ORDERING,
        paginated=True,
    ),
    read_only(
        "/jobs/{job_id}/suites/{suite_id}/tests/{case_id}/", "Test Case Instance", suite_case_detail
    ),
    read_only("/jobs/{job_id}/suites/{suite_id}/", "Test Suite Instance", suite_detail),
    Endpoint(
        "/jobs/{job_id}/tests/",
        "Test Case List",
        {"GET": job_case_list},
        filters="test_case",
        ordering=CASE_ORDERING,
        paginated=True,
    ),
    read_only("/jobs/{job_id}/tests/{case_id}/", "Test Case Instance", job_case_detail),
]
