"""What a caller does to jobs: validate, validate a test definition, resubmit, cancel,
batch cancel."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.lab.enums import JobState
from gql_server.lab.testdef import testdef_problem
from gql_server.resolvers import submissions
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import PermissionDenied, Unauthenticated
from gql_server.resolvers.permissions import require_login
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError, detail, required
from gql_server.rest.fields import lookup_id
from gql_server.rest.job_submission import refused, submitted
from gql_server.rest.jobs import visible_job
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

_WHERE = re.compile(r" @ data(\[[^\]]*\])+$")
_FALSE_TEXTS = frozenset({"", "0", "false", "f", "no", "n", "off"})
MAX_BATCH = 1000
"""Most ids one batch cancel takes (each costs a few statements)."""


def _flag(value: Any) -> bool:
    """A boolean field as DRF reads it from JSON (a boolean) or a form (text)."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_TEXTS
    return bool(value)


def _definition(data: dict[str, Any], what: str) -> str:
    """The ``definition`` field of a validation request; 400s naming it ``what``."""
    definition = data.get("definition")
    if not definition:
        raise RestError(400, {"definition": f"{what} is required."})
    if not isinstance(definition, str):
        raise RestError(400, {"definition": f"{what} should be a string."})
    return definition


async def validate(_ctx: RequestContext, request: Request) -> Response:
    """``POST jobs/validate/``: 200 ``Job valid.`` or ``Job invalid: <msg> @ <path>``."""
    data = await request_data(request, JSON_FORM_MULTIPART)
    definition = _definition(data, "Test job definition")
    problem = await submissions.check_definition(definition, _flag(data.get("strict", False)))
    if problem is None:
        return answer({"message": "Job valid."})
    message = _WHERE.sub("", problem.reason)
    if problem.path:
        message += f" @ {list(problem.path)}"
    return answer({"message": f"Job invalid: {message}"})


async def validate_testdef(_ctx: RequestContext, request: Request) -> Response:
    """``POST jobs/validate_testdef/``: 200 ``Test definition valid.`` or ``... invalid``."""
    data = await request_data(request, JSON_FORM_MULTIPART)
    problem = testdef_problem(_definition(data, "Test definition"))
    if problem is None:
        return answer({"message": "Test definition valid."})
    return answer({"message": f"Test definition invalid: {problem}"})


async def resubmit(ctx: RequestContext, request: Request) -> Response:
    """``POST jobs/<id>/resubmit/``: submit a visible job's definition again (201)."""
    require_login(ctx)
    job_id = lookup_id(request, "job_id")
    try:
        return submitted(await submissions.resubmit_job(ctx, job_id))
    except submissions.SubmissionRefused as exc:
        raise refused(exc) from exc


async def cancel(ctx: RequestContext, request: Request) -> Response:
    """``GET jobs/<id>/cancel/``: cancel a visible job (its whole multinode group).

    A job already canceling or finished is left alone; one the caller may not cancel is
    LAVA's 403 ``Insufficient permissions``."""
    job = await visible_job(ctx, lookup_id(request, "job_id"))
    if JobState(job.state) not in (JobState.CANCELING, JobState.FINISHED):
        try:
            await submissions.cancel_job(ctx, job.id)
        except (PermissionDenied, Unauthenticated) as exc:
            raise detail(403, "Insufficient permissions") from exc
        except submissions.SubmissionRefused:
            pass  # canceled meanwhile: the signal was sent
    return answer({"message": "Job cancel signal sent."})


async def batch_cancel(ctx: RequestContext, request: Request) -> Response:
    """``POST jobs/batch_cancel/`` with ``{"job_ids": [...]}`` (ids or multinode sub ids).

    Ids of jobs that do not exist or that the caller may not see are ``invalid_job_ids``;
    when the caller may not cancel one of the others, nothing is canceled (403)."""
    require_login(ctx)
    data = await request_data(request, JSON_FORM_MULTIPART)
    if "job_ids" not in data:
        raise required("job_ids")
    references = data["job_ids"]
    if not isinstance(references, list):
        kind = type(references).__name__
        raise RestError(400, {"job_ids": [f'Expected a list of items but got type "{kind}".']})
    if len(references) > MAX_BATCH:
        message = f"Ensure this field has no more than {MAX_BATCH} elements."
        raise RestError(400, {"job_ids": [message]})
    done = await submissions.cancel_jobs(ctx, references)
    return answer(
        {
            "message": "Job cancel signal sent for job ids.",
            "job_ids": done.handled,
            "invalid_job_ids": done.invalid,
        }
    )


# DRF names an extra action after the viewset and the action's ``suffix``.
ENDPOINTS = [
    Endpoint(
        "/jobs/validate/",
        "Test Job validate",
        {"POST": validate},
        fields={"definition": "string", "strict": "boolean"},
    ),
    Endpoint(
        "/jobs/validate_testdef/",
        "Test Job validate_testdef",
        {"POST": validate_testdef},
        fields={"definition": "string"},
    ),
    Endpoint(
        "/jobs/batch_cancel/",
        "Test Job batch_cancel",
        {"POST": batch_cancel},
        fields={"job_ids": "array"},
    ),
    Endpoint("/jobs/{job_id}/resubmit/", "Test Job resubmit", {"POST": resubmit}),
    # LAVA's cancel is a GET that changes the job: never answered from the read cache.
    Endpoint("/jobs/{job_id}/cancel/", "Test Job cancel", {"GET": cancel}, cached=False),
]
