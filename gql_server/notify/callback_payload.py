"""The HTTP callback request (notifications.md §6, with LAVA master's data keys).

The caller supplies the secret (resolved from the submitter's named callback secrets,
decisions.md §4) and, for the ``logs`` / ``results`` datasets, the already-exported log text
and per-suite YAML. Nothing here sends anything; the host allow-list is the sender's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from gql_server.notify.criteria import CallbackSpec
from gql_server.notify.facts import JobFacts
from gql_server.notify.render import as_utc, legacy_status

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_PLACEHOLDER = re.compile(r"\{\s*([A-Z_-]+)\s*\}")


@dataclass(frozen=True)
class CallbackRequest:
    """One request to make. ``headers`` may hold the secret, so it stays out of ``repr``."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    body: bytes | None = None


def _placeholder_values(job: JobFacts) -> dict[str, object]:
    status, status_string = legacy_status(job.state, job.health)
    return {
        "ID": job.id,
        "SUB_ID": job.sub_id,
        "STATE": int(job.state),
        "HEALTH": int(job.health),
        "STATUS": status,
        "STATUS_STRING": status_string,
        "DESCRIPTION": job.description,
        "PRIORITY": job.priority,
        "SUBMITTER": job.submitter,
        "ACTUAL_DEVICE": job.device.hostname if job.device else None,
        "REQUESTED_DEVICE_TYPE": job.requested_device_type,
        "HEALTH_CHECK": job.health_check,
        "FAILURE_COMMENT": job.failure_comment,
        "SUBMIT_TIME": _time(job.submit_time),
        "START_TIME": _time(job.start_time),
        "END_TIME": _time(job.end_time),
    }


def substitute_url(url: str, job: JobFacts) -> str:
    """The URL with each ``{ NAME }`` placeholder replaced by the job's value.

    Names are LAVA's: ``STATUS`` / ``STATUS_STRING`` (legacy status code and word), ``ID``,
    ``SUB_ID``, ``STATE`` / ``HEALTH`` (integer codes), ``DESCRIPTION``, ``PRIORITY``,
    ``SUBMITTER`` (username), ``ACTUAL_DEVICE`` (hostname), ``REQUESTED_DEVICE_TYPE``,
    ``HEALTH_CHECK``, ``FAILURE_COMMENT``, ``SUBMIT_TIME`` / ``START_TIME`` / ``END_TIME``.
    Unknown names stay as written. Unlike LAVA, values are percent-encoded, so that a
    description with spaces or slashes still gives a valid URL (numbers are unchanged).
    The caller substitutes once, at the first firing, and keeps the result.
    """
    values = _placeholder_values(job)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return quote(str(values[name]), safe="") if name in values else match.group(0)

    return _PLACEHOLDER.sub(replace, url)


def _time(moment: dt.datetime | None) -> str:
    """Python's ``str()`` of the UTC time (``2023-01-10 12:30:00.000100+00:00``) or ``None``."""
    return "None" if moment is None else str(as_utc(moment))


def job_data(
    job: JobFacts,
    dataset: str = "minimal",
    *,
    log: str | None = None,
    results: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The job data a POST callback carries, keys in LAVA master's order.

    ``dataset`` ``logs`` and ``all`` add ``log`` (the whole job log text; left out when the
    caller has none), ``results`` and ``all`` add ``results`` (suite name to that suite's test
    cases as YAML text). The token is never part of the data (LAVA master).
    """
    status, status_string = legacy_status(job.state, job.health)
    data: dict[str, Any] = {
        "id": job.id,
        "status": status,
        "status_string": status_string,
        "state": int(job.state),
        "state_string": job.state.display,
        "health": int(job.health),
        "health_string": job.health.display,
        "submit_time": _time(job.submit_time),
        "start_time": _time(job.start_time),
        "end_time": _time(job.end_time),
        "submitter_username": job.submitter,
        "submitter_email": job.submitter_email,
        "failure_comment": job.failure_comment,
        "priority": job.priority,
        "description": job.description,
        "actual_device_id": job.device.hostname if job.device else None,
        "definition": job.definition,
        "metadata": [{str(key): str(value)} for key, value in job.metadata.items()],
        "health_check": job.health_check,
    }
    if dataset in ("logs", "all") and log is not None:
        data["log"] = log
    if dataset in ("results", "all"):
        data["results"] = dict(results or {})
    return data


def form_fields(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The job data flattened as LAVA's form encoding does: nulls dropped, each list or
    mapping repeated as its items (metadata names, suite names), scalars as ``str()``."""
    fields: list[tuple[str, str]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, list | dict):
            items = value if isinstance(value, dict) else [next(iter(i)) for i in value]
            fields.extend((key, str(item)) for item in items)
        else:
            fields.append((key, str(value)))
    return fields


def callback_request(
    spec: CallbackSpec,
    job: JobFacts,
    *,
    url: str | None = None,
    secret: str | None = None,
    log: str | None = None,
    results: Mapping[str, str] | None = None,
) -> CallbackRequest:
    """The request for one callback of the block.

    ``url`` is the URL substituted at the first firing (default: substitute now). ``secret``
    is the resolved value of ``spec.token``, sent raw in the ``spec.header`` header (no
    ``Token`` prefix); without it no header is sent. GET has no body; POST carries
    :func:`job_data` for ``spec.dataset`` as JSON or form-encoded.
    """
    target = url if url is not None else substitute_url(spec.url, job)
    headers: list[tuple[str, str]] = []
    if secret is not None:
        headers.append((spec.header, secret))
    if spec.method != "POST":
        return CallbackRequest("GET", target, tuple(headers))
    data = job_data(job, spec.dataset, log=log, results=results)
    if spec.content_type == "json":
        body = json.dumps(data).encode()
        headers.append(("Content-Type", JSON))
    else:
        body = urlencode(form_fields(data)).encode()
        headers.append(("Content-Type", FORM))
    return CallbackRequest("POST", target, tuple(headers), body)
