"""``results.*``: test results of a job as YAML and CSV, job metadata, custom queries.

The exports are written by :mod:`gql_server.exports` from rows the resolvers read in
batches; XML-RPC answers each one as a single string.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from decimal import Decimal
from typing import Any

from gql_server.db.models import TestCase, TestJob, TestSuite
from gql_server.exports.csv_layouts import CasesCsv, SuitesCsv, cases_csv
from gql_server.exports.render import Layout, collect, render, render_batches
from gql_server.exports.yaml_layouts import CasesYaml, SuitesYaml
from gql_server.resolvers import results
from gql_server.resolvers.errors import NotFound, PermissionDenied
from gql_server.resolvers.jobs import job_by_reference
from gql_server.resolvers.results import MalformedConditions, Window
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, read_only

NAMESPACE = "results"
API_CLASS = "ResultsAPI"
NO_JOB_ID = "Bad request: TestJob id was not specified."
JOB_NOT_FOUND = "Specified job not found."
CASE_NOT_FOUND = "Specified test case not found."
QUERY_LIMIT = 200
INT32 = range(-(2**31), 2**31)


async def _job(call: Call, job_id: Any) -> TestJob:
    """The visible job ``job_id`` names, with the faults LAVA's results API gives."""
    call.require_login()
    if not job_id:
        raise Fault(400, NO_JOB_ID)
    try:
        return await job_by_reference(call.ctx, job_id)
    except NotFound as exc:
        raise Fault(404, JOB_NOT_FOUND) from exc
    except PermissionDenied as exc:
        raise Fault(401, f"Permission denied for user to job {job_id}") from exc


def _name(value: Any, missing: str) -> str:
    """A suite or case name as given (numbers are looked up as text); 404 otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise Fault(404, missing)


async def _suite(call: Call, job_id: Any, suite_name: Any) -> TestSuite:
    job = await _job(call, job_id)
    return await results.suite_of_job(call.ctx, job.id, _name(suite_name, results.SUITE_NOT_FOUND))


def _window(limit: Any, offset: Any) -> Window | None:
    """LAVA's slice of a suite's cases: all of them unless ``limit`` is set, then
    ``limit`` cases after ``offset``; None (nothing) when either is negative."""
    if not limit:
        return Window()
    offset = offset or 0
    for value in (limit, offset):
        if not isinstance(value, int):
            raise Fault(-32603, f"{INTERNAL_ERROR}: limit and offset must be integers")
    if limit < 0 or offset < 0:
        return None
    return Window(offset, limit)


async def _text(layout: Layout[Any], batches: AsyncIterable[Sequence[Any]]) -> str:
    return await collect(render_batches(layout, batches))


@read_only
async def get_testjob_results_yaml(call: Call, job_id: Any) -> str:
    """Name
    ----
    `results.get_testjob_results_yaml` (`job_id`)

    Every test case of a job you may see, suite after suite, as a YAML list of records
    (name, job, suite, result, measurement, unit, level, url, id, logged, log lines,
    metadata); `[]` when the job has no results yet. Requires authentication.
    """
    job = await _job(call, job_id)
    return await _text(CasesYaml(), results.job_case_batches(call.ctx, job.id))


@read_only
async def get_testjob_results_csv(call: Call, job_id: Any) -> str:
    """Name
    ----
    `results.get_testjob_results_csv` (`job_id`)

    The test cases of a job you may see as CSV: a header line, then one quoted line per
    case, lines ending in CR LF. Requires authentication.
    """
    job = await _job(call, job_id)
    return await _text(CasesCsv(), results.job_case_batches(call.ctx, job.id))


@read_only
async def get_testjob_suites_list_yaml(call: Call, job_id: Any) -> str:
    """Name
    ----
    `results.get_testjob_suites_list_yaml` (`job_id`)

    The test suites of a job you may see as a YAML list of `{id, job, name}` records.
    Requires authentication.
    """
    job = await _job(call, job_id)
    return await _text(SuitesYaml(), results.suite_row_batches(call.ctx, job.id))


@read_only
async def get_testjob_suites_list_csv(call: Call, job_id: Any) -> str:
    """Name
    ----
    `results.get_testjob_suites_list_csv` (`job_id`)

    The test suites of a job you may see as CSV (`name`, `job`, `id`). Requires
    authentication.
    """
    job = await _job(call, job_id)
    return await _text(SuitesCsv(), results.suite_row_batches(call.ctx, job.id))


async def _suite_cases(
    call: Call, layout: Layout[Any], job_id: Any, suite_name: Any, limit: Any, offset: Any
) -> str:
    suite = await _suite(call, job_id, suite_name)
    window = _window(limit, offset)
    if window is None:
        return "".join(render(layout, []))
    return await _text(layout, results.suite_case_batches(call.ctx, suite.id, window=window))


@read_only
async def get_testsuite_results_yaml(
    call: Call, job_id: Any, suite_name: Any, limit: Any = None, offset: Any = None
) -> str:
    """Name
    ----
    `results.get_testsuite_results_yaml` (`job_id`, `suite_name`, `limit=None`,
    `offset=None`)

    The test cases of one suite of a job you may see, in the order they were recorded,
    as a YAML list of records. With a `limit`, only that many cases after skipping
    `offset` (without one, all cases; `offset` alone is ignored). Requires
    authentication.
    """
    return await _suite_cases(call, CasesYaml(), job_id, suite_name, limit, offset)


@read_only
async def get_testsuite_results_csv(
    call: Call, job_id: Any, suite_name: Any, limit: Any = None, offset: Any = None
) -> str:
    """Name
    ----
    `results.get_testsuite_results_csv` (`job_id`, `suite_name`, `limit=None`,
    `offset=None`)

    The test cases of one suite as CSV, sliced by `limit` and `offset` as in
    `results.get_testsuite_results_yaml`. Requires authentication.
    """
    return await _suite_cases(call, CasesCsv(), job_id, suite_name, limit, offset)


@read_only
async def get_testsuite_results_count(call: Call, job_id: Any, suite_name: Any) -> int:
    """Name
    ----
    `results.get_testsuite_results_count` (`job_id`, `suite_name`)

    How many test cases one suite of a job you may see holds. Requires authentication.
    """
    suite = await _suite(call, job_id, suite_name)
    return await results.count_suite_cases(call.ctx, suite.id)


@read_only
async def get_testcase_results_yaml(
    call: Call, job_id: Any, suite_name: Any, case_name: Any
) -> str:
    """Name
    ----
    `results.get_testcase_results_yaml` (`job_id`, `suite_name`, `case_name`)

    The test cases called `case_name` in one suite of a job you may see, as a YAML list
    of records (`[]` when there is none). Requires authentication.
    """
    suite = await _suite(call, job_id, suite_name)
    name = _name(case_name, CASE_NOT_FOUND)
    return await _text(CasesYaml(), results.suite_case_batches(call.ctx, suite.id, name))


@read_only
async def get_testcase_results_csv(call: Call, job_id: Any, suite_name: Any, case_name: Any) -> str:
    """Name
    ----
    `results.get_testcase_results_csv` (`job_id`, `suite_name`, `case_name`)

    The test case called `case_name` in one suite of a job you may see, as CSV (header
    and one line). The name must designate exactly one case. Requires authentication.
    """
    suite = await _suite(call, job_id, suite_name)
    name = _name(case_name, CASE_NOT_FOUND)
    found = [
        row
        async for batch in results.suite_case_batches(call.ctx, suite.id, name, Window(0, 2))
        for row in batch
    ]
    if not found:
        raise Fault(404, CASE_NOT_FOUND)
    if len(found) > 1:
        raise Fault(-32603, f"{INTERNAL_ERROR}: more than one test case called {name!r}")
    return "".join(cases_csv(found))


@read_only
async def get_testjob_metadata(call: Call, job_id: Any) -> list[dict[str, str]]:
    """Name
    ----
    `results.get_testjob_metadata` (`job_id`)

    The `metadata` block of the definition of a job you may see, as a list of
    single-entry structs `{name: value}`; values are text (nested values as Python
    writes them, a null as "None"). Requires authentication.
    """
    job = await _job(call, job_id)
    return [{key: str(value)} for key, value in (job.metadata_ or {}).items()]


def _wire(value: Any) -> Any:
    """A value XML-RPC can carry: decimals and integers past 32 bits as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT32:
        return str(value)
    return value


def _job_dump(job: TestJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "sub_id": job.sub_id,
        "is_public": job.is_public,
        "target_group": job.target_group,
        "submitter_id": job.submitter_id,
        "description": job.description,
        "health_check": job.health_check,
        "requested_device_type_id": job.requested_device_type_id,
        "requested_device_id": job.requested_device_id,
        "requested_worker_id": job.requested_worker_id,
        "actual_device_id": job.actual_device_id,
        "submit_time": job.submit_time,
        "start_time": job.start_time,
        "end_time": job.end_time,
        "state": job.state,
        "health": job.health,
        "priority": job.priority,
        "definition": job.definition,
        "original_definition": job.original_definition,
        "multinode_definition": job.multinode_definition,
        "pipeline_compatibility": job.pipeline_compatibility,
        "queue_timeout": _wire(job.queue_timeout),
        "failure_comment": job.failure_comment,
        "metadata": job.metadata_ or {},
        "testjob_ptr_id": job.id,
    }


def _suite_dump(suite: TestSuite) -> dict[str, Any]:
    return {
        "id": suite.id,
        "job_id": suite.job_id,
        "name": suite.name,
        "testsuite_ptr_id": suite.id,
    }


def _case_dump(case: TestCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "name": case.name,
        "units": case.units,
        "result": case.result,
        "measurement": _wire(case.measurement),
        "metadata": case.metadata_,
        "suite_id": case.suite_id,
        "start_log_line": case.start_log_line,
        "end_log_line": case.end_log_line,
        "test_set_id": case.test_set_id,
        "logged": case.logged,
        "testcase_ptr_id": case.id,
    }


DUMPS = {"testjob": _job_dump, "testsuite": _suite_dump, "testcase": _case_dump}


def _limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise Fault(-32603, f"{INTERNAL_ERROR}: limit must be a non-negative integer")
    return limit


@read_only
async def make_custom_query(
    call: Call, entity: Any, conditions: Any, limit: Any = QUERY_LIMIT
) -> list[dict[str, Any]]:
    """Name
    ----
    `results.make_custom_query` (`entity`, `conditions`, `limit=200`)

    Up to `limit` jobs, suites or cases (`entity`: "testjob", "testsuite" or "testcase")
    you may see that match `conditions`, newest first, each as a struct of its stored
    fields (states, healths and results as numbers; never secrets). `conditions` is a
    comma-separated list of `field__value`, `field__operator__value` or
    `table__field__operator__value` (operators exact, iexact, ne, icontains, gt, lt;
    states, healths and results by display name, e.g. `Complete` or `Test failed`).
    Requires authentication.
    """
    call.require_login()
    if not isinstance(entity, str):
        raise Fault(400, results.WRONG_ENTITY)
    if conditions is not None and not isinstance(conditions, str):
        raise Fault(-32603, f"{INTERNAL_ERROR}: conditions must be a string")
    try:
        parsed = results.parse_conditions(entity, conditions or "")
        found = await results.custom_query(call.ctx, entity, parsed, _limit(limit))
    except MalformedConditions as exc:
        raise Fault(-32603, f"{INTERNAL_ERROR}: {exc}") from exc
    return [DUMPS[entity](item) for item in found]


def _owner(call: Call, username: Any) -> str:
    return str(username) if username else call.username


@read_only
async def run_query(
    call: Call, query_name: Any, limit: Any = QUERY_LIMIT, username: Any = None
) -> list[dict[str, Any]]:
    """Name
    ----
    `results.run_query` (`query_name`, `limit=200`, `username=None`)

    Run a saved query of `username` (yourself by default) and return up to `limit` of
    its results you may see. This server keeps no saved queries (a LAVA web-interface
    feature), so every name is unknown. Requires authentication.
    """
    call.require_login()
    return await results.run_saved_query(call.ctx, _owner(call, username), query_name, limit)


async def refresh_query(call: Call, query_name: Any, username: Any = None) -> None:
    """Name
    ----
    `results.refresh_query` (`query_name`, `username=None`)

    Refresh the cached results of a saved query of `username` (yourself by default).
    This server keeps no saved queries, so every name is unknown. Requires
    authentication.
    """
    call.require_login()
    try:
        await results.refresh_saved_query(call.ctx, _owner(call, username), query_name)
    except NotFound as exc:
        raise Fault(400, exc.message) from exc


async def refresh_all_queries(call: Call) -> None:
    """Name
    ----
    `results.refresh_all_queries` ()

    Refresh the cached results of every saved query; superusers only. Returns nothing.
    """
    call.require_login()
    await results.refresh_saved_queries(call.ctx)


METHODS = {
    "get_testjob_results_yaml": get_testjob_results_yaml,
    "get_testjob_results_csv": get_testjob_results_csv,
    "get_testjob_suites_list_yaml": get_testjob_suites_list_yaml,
    "get_testjob_suites_list_csv": get_testjob_suites_list_csv,
    "get_testsuite_results_yaml": get_testsuite_results_yaml,
    "get_testsuite_results_csv": get_testsuite_results_csv,
    "get_testsuite_results_count": get_testsuite_results_count,
    "get_testcase_results_yaml": get_testcase_results_yaml,
    "get_testcase_results_csv": get_testcase_results_csv,
    "get_testjob_metadata": get_testjob_metadata,
    "make_custom_query": make_custom_query,
    "run_query": run_query,
    "refresh_query": refresh_query,
    "refresh_all_queries": refresh_all_queries,
}
