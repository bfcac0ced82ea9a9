"""LAVA's answers to a job submission (``POST jobs/``, ``jobs/<id>/resubmit/``)."""

from __future__ import annotations

from starlette.responses import Response

from gql_server.db.models import TestJob
from gql_server.lab.definition import DefinitionError, ErrorKind
from gql_server.resolvers.submissions import SubmissionRefused
from gql_server.rest.errors import RestError
from gql_server.rest.render import answer


def submitted(found: list[TestJob]) -> Response:
    """LAVA's 201 for a submission: the job's id, or a multinode group's sub ids."""
    ids: list[int] | list[str] = [job.id for job in found]
    if len(found) > 1 or found[0].sub_id:
        ids = [job.sub_id for job in found]
    return answer({"message": "job(s) successfully submitted", "job_ids": ids}, 201)


def refused(exc: SubmissionRefused) -> RestError:
    """LAVA master's 400 for a refused submission: ``{"message": ...}``; a definition that
    is not YAML reads ``job submission failed: <error>.``."""
    cause = exc.__cause__
    if isinstance(cause, DefinitionError) and cause.kind is ErrorKind.YAML:
        return RestError(400, {"message": f"job submission failed: {cause.reason}."})
    return RestError(400, {"message": exc.message})
