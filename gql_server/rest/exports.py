"""A job's results and log as files: ``csv/``, ``yaml/``, ``junit/``, ``tap13/``, a suite's
``csv/`` and ``yaml/``, ``logs/`` and ``metadata/``.

Result exports stream: the rows are read in batches (:mod:`gql_server.resolvers.results`)
and written by the shared exporter (:mod:`gql_server.exports`) while the response goes
out, so the first line leaves before the last row is read, memory stays that of one
batch, and a client that goes away stops the reading (the door closes the request
context when the stream ends or is abandoned).

Job-level files check the job as its detail route does (404 when absent or hidden); the
suite files sit under ``jobs/<id>/suites/`` and check it as LAVA master does there (404
absent, 403 hidden).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gql_server.exports.csv_layouts import CasesCsv
from gql_server.exports.records import metadata_pairs
from gql_server.exports.render import Layout, render_batches
from gql_server.exports.yaml_layouts import CasesYaml
from gql_server.resolvers import results
from gql_server.resolvers.context import RequestContext
from gql_server.rest.errors import NOT_FOUND, detail
from gql_server.rest.fields import lookup_id
from gql_server.rest.jobs import visible_job
from gql_server.rest.render import answer
from gql_server.rest.routing import read_only

CSV = "application/csv"
YAML = "application/yaml"
XML = "application/xml"


async def _nothing() -> AsyncIterator[Any]:
    return
    yield  # an asynchronous generator that yields nothing


def download(
    request: Request, chunks: AsyncIterator[str], media_type: str, filename: str
) -> StreamingResponse:
    """A streamed attachment; for HEAD only its headers, without reading any row."""
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    body = _nothing() if request.method == "HEAD" else chunks
    return StreamingResponse(body, media_type=media_type, headers=headers)


def _whole(request: Request, name: str) -> int | None:
    """An integer query parameter (None when absent or empty); 400 when it is not a
    number of 32 bits."""
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not -(2**31) <= value < 2**31:
        raise detail(400, f"{name} must be an integer, not {text!r}.")
    return value


def chunk(request: Request) -> results.Window | None:
    """The slice ``limit`` and ``offset`` ask for (LAVA's export chunking): every case
    without a limit, ``limit`` cases after ``offset`` with one; None (an empty export)
    when either is negative."""
    limit, offset = _whole(request, "limit"), _whole(request, "offset") or 0
    if not limit:
        return results.Window()
    if limit < 0 or offset < 0:
        return None
    return results.Window(offset, limit)


async def _job_cases(
    ctx: RequestContext, request: Request, layout: Layout, media_type: str, suffix: str
) -> Response:
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    window = chunk(request)
    batches = _nothing()
    if window is not None:
        batches = results.job_case_batches(ctx, job.id, by_suite=False, window=window)
    chunks = render_batches(layout, batches)
    return download(request, chunks, media_type, f"job_{job.id}.{suffix}")


async def job_csv(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/csv/``: every test case (or a ``limit``/``offset`` slice) by id."""
    return await _job_cases(ctx, request, CasesCsv(), CSV, "csv")


async def job_yaml(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/yaml/``: the same cases as a YAML list of records."""
    return await _job_cases(ctx, request, CasesYaml(), YAML, "yaml")


async def job_junit(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/junit/``: JUnit XML, class names prefixed by ``classname_prefix``."""
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    prefix = request.query_params.get("classname_prefix", "")
    chunks = results.job_junit(ctx, job, prefix)
    return download(request, chunks, XML, f"job_{job.id}.xml")


async def job_tap13(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/tap13/``: TAP 13 (LAVA sends it as YAML, with a ``.yaml`` name)."""
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    return download(request, results.job_tap13(ctx, job.id), YAML, f"job_{job.id}.yaml")


async def _suite_cases(
    ctx: RequestContext, request: Request, layout: Layout, media_type: str, suffix: str
) -> Response:
    job = await results.results_job(ctx, lookup_id(request, "job_id"))
    suite = await results.suite_of_visible_job(ctx, job.id, lookup_id(request, "suite_id"))
    window = chunk(request)
    batches = _nothing()
    if window is not None:
        batches = results.suite_case_batches(ctx, suite.id, window=window)
    chunks = render_batches(layout, batches)
    return download(request, chunks, media_type, f"suite_{suite.name}.{suffix}")


async def suite_csv(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/<sid>/csv/``: the suite's cases by id, sliced by
    ``limit``/``offset``."""
    return await _suite_cases(ctx, request, CasesCsv(), CSV, "csv")


async def suite_yaml(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/suites/<sid>/yaml/``: the same as a YAML list of records."""
    return await _suite_cases(ctx, request, CasesYaml(), YAML, "yaml")


def _line_index(request: Request, name: str) -> int | None:
    value = _whole(request, name)
    if value is not None and value < 0:
        raise detail(400, f"{name} must not be negative.")
    return value


async def job_logs(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/logs/``: the job's log, or lines ``start`` (included) to ``end``
    (excluded); 404 when there is no log or the range selects nothing."""
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    start, end = _line_index(request, "start"), _line_index(request, "end")
    content = await results.get_job_log(ctx, job.id)
    if content is None:
        raise detail(404, NOT_FOUND)
    if start is not None or end is not None:
        content = "".join(content.splitlines(keepends=True)[start:end])
        if not content:
            raise detail(404, NOT_FOUND)
    headers = {"Content-Disposition": f"attachment; filename=job_{job.id}.yaml"}
    return Response(content, media_type=YAML, headers=headers)


async def job_metadata(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/metadata/``: the definition's metadata, one ``{name: value}`` each."""
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    return answer({"metadata": metadata_pairs(job.metadata_)})


ENDPOINTS = [
    read_only("/jobs/{job_id}/csv/", "Test Job Csv", job_csv),
    read_only("/jobs/{job_id}/yaml/", "Test Job Yaml", job_yaml),
    read_only("/jobs/{job_id}/junit/", "Test Job Junit", job_junit),
    read_only("/jobs/{job_id}/tap13/", "Test Job Tap13", job_tap13),
    read_only("/jobs/{job_id}/logs/", "Test Job Logs", job_logs),
    read_only("/jobs/{job_id}/metadata/", "Test Job Metadata", job_metadata),
    read_only("/jobs/{job_id}/suites/{suite_id}/csv/", "Test Suite Csv", suite_csv),
    read_only("/jobs/{job_id}/suites/{suite_id}/yaml/", "Test Suite Yaml", suite_yaml),
]
