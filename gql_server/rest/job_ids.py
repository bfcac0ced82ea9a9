"""A job id in a REST path: DRF's default lookup accepts digits only."""

from __future__ import annotations

import re

from gql_server.rest.errors import NOT_FOUND, detail

_JOB_ID = re.compile(r"[0-9]{1,10}")


def job_number(text: str) -> int:
    """The id a path names; the JSON 404 when it is not a job id (``abc``, ``12.1``)."""
    if _JOB_ID.fullmatch(text) and int(text) < 2**31:
        return int(text)
    raise detail(404, NOT_FOUND)
