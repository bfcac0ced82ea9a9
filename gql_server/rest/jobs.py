"""``jobs/`` and ``jobs/<id>/``: visible jobs in LAVA's field order."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import TestJob
from gql_server.lab.enums import JobHealth, JobState
from gql_server.resolvers import jobs, submissions
from gql_server.resolvers.context import RequestContext
from gql_server.rest.body import request_data
from gql_server.rest.errors import NOT_FOUND, RestError, detail, required
from gql_server.rest.fields import NOT_BLANK, NOT_TEXT, lookup_id
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.job_submission import refused, submitted
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer, lava_datetime
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

ORDERING = frozenset({"id", "start_time", "end_time", "submit_time"})


def job_json(job: TestJob, links: jobs.JobLinks) -> dict[str, Any]:
    """A job as LAVA master's serializer writes it (never its token: see decisions.md)."""
    return {
        "id": job.id,
        "submitter": links.submitter,
        "viewing_groups": links.viewing_group_ids,
        "description": job.description,
        "health_check": job.health_check,
        "requested_device_type": job.requested_device_type_id,
        "tags": links.tag_ids,
        "actual_device": job.actual_device_id,
        "submit_time": lava_datetime(job.submit_time),
        "start_time": lava_datetime(job.start_time),
        "end_time": lava_datetime(job.end_time),
        "state": JobState(job.state).display,
        "health": JobHealth(job.health).display,
        "priority": job.priority,
        "definition": job.definition,
        "metadata": job.metadata_,
        "original_definition": job.original_definition,
        "multinode_definition": job.multinode_definition,
        "failure_tags": [],
        "failure_comment": job.failure_comment,
    }


async def job_list(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/``: one limit/offset page of the visible jobs that match the filters."""
    params = request.query_params
    window = Window.of(request)
    count, found = await jobs.counted_jobs_window(
        ctx,
        conditions(params, "job"),
        ordering(params, ORDERING),
        window.offset,
        window.limit,
    )
    links = await jobs.job_links(ctx, found)
    results = [job_json(job, links[job.id]) for job in found]
    return answer(page(request, window, count, results))


async def visible_job(ctx: RequestContext, job_id: int) -> TestJob:
    """The job when the caller may see it; LAVA's JSON 404 otherwise (absent or hidden)."""
    job = await jobs.get_job(ctx, job_id)
    if job is None:
        raise detail(404, NOT_FOUND)
    return job


async def job_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/``: one visible job; 404 when it is absent, hidden or not an id."""
    return await _shown(ctx, await visible_job(ctx, lookup_id(request, "job_id")))


async def submit(ctx: RequestContext, request: Request) -> Response:
    """``POST jobs/``: submit ``definition``; 400 ``{"message"}`` when LAVA refuses it."""
    data = await request_data(request, JSON_FORM_MULTIPART)
    definition = data.get("definition")
    if definition is None or definition == "":
        raise required("definition")
    if not isinstance(definition, str):
        raise RestError(400, {"definition": [NOT_TEXT]})
    try:
        return submitted(await submissions.submit_job(ctx, definition))
    except submissions.SubmissionRefused as exc:
        raise refused(exc) from exc


async def _shown(ctx: RequestContext, job: TestJob) -> Response:
    links = await jobs.job_links(ctx, [job])
    return answer(job_json(job, links[job.id]))


async def job_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH jobs/<id>/`` (superusers; PUT is partial, as in master): the one
    writable field is ``definition``, changed only as ``change_definition`` allows."""
    job = await submissions.job_for_superuser(ctx, lookup_id(request, "job_id"))
    data = await request_data(request, JSON_FORM_MULTIPART)
    if "definition" not in data:
        return await _shown(ctx, job)
    definition = data["definition"]
    if not isinstance(definition, str):
        raise RestError(400, {"definition": [NOT_TEXT]})
    if not definition:
        raise RestError(400, {"definition": [NOT_BLANK]})
    try:
        changed = await submissions.change_definition(ctx, job.id, definition)
    except submissions.SubmissionRefused as exc:
        raise RestError(400, {"definition": [exc.message]}) from exc
    return await _shown(ctx, changed)


async def job_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE jobs/<id>/`` (superusers): 204; a job that is not finished (or queued on
    its own) must be canceled first (400)."""
    await submissions.delete_job(ctx, lookup_id(request, "job_id"))
    return Response(status_code=204)


ENDPOINTS = [
    Endpoint(
        "/jobs/",
        "Test Job List",
        {"GET": job_list, "POST": submit},
        filters="job",
        ordering=ORDERING,
        paginated=True,
        fields={"definition": "string"},
    ),
    Endpoint(
        "/jobs/{job_id}/",
        "Test Job Instance",
        {"GET": job_detail, "PUT": job_update, "PATCH": job_update, "DELETE": job_delete},
        fields={"definition": "string"},
    ),
]
