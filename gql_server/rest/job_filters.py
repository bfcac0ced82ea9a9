"""The query string of ``jobs/``: LAVA's filters (an allow-list) and ``ordering``.

Each accepted parameter becomes one :class:`JobFilter`; all of them must hold. A bad value
gets django-filter's 400; a LAVA job filter this server does not implement gets a 400 too
(rather than a silently unfiltered list); other parameters are ignored, as LAVA does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.datastructures import QueryParams

from gql_server.lab.enums import JobHealth, JobState, LabEnum
from gql_server.resolvers.jobs import JobFilter, JobOrderField
from gql_server.rest.errors import invalid_filter

ENTER_A_NUMBER = "Enter a number."
ENTER_A_DATETIME = "Enter a valid date/time."
UNSUPPORTED = "This filter is not supported by this server."
_TICK = dt.timedelta(microseconds=1)  # stored times have microsecond resolution

# Every job filter field of LAVA's jobs/ (rest-v02.md §6.1, plus master's metadata).
LAVA_JOB_FIELDS = frozenset(
    {
        "id",
        "submit_time",
        "start_time",
        "end_time",
        "health_check",
        "target_group",
        "state",
        "health",
        "priority",
        "description",
        "definition",
        "original_definition",
        "multinode_definition",
        "failure_comment",
        "requested_device_type",
        "actual_device",
        "tags",
        "viewing_groups",
        "submitter",
        "failure_tags",
        "metadata",
    }
)
ORDERING_FIELDS = {field.value: field for field in JobOrderField}

Parser = Callable[[str, str], JobFilter]


def _number(name: str, text: str) -> int:
    """An integer within the id column's range (a larger one can match no job)."""
    try:
        value = int(text)
    except ValueError:
        raise invalid_filter(name, ENTER_A_NUMBER) from None
    if not -(2**31) <= value < 2**31:
        raise invalid_filter(name, ENTER_A_NUMBER)
    return value


def _moment(name: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise invalid_filter(name, ENTER_A_DATETIME) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _labels(kind: type[LabEnum], name: str, text: str) -> list[LabEnum]:
    """Members by exact display label, as LAVA's label filters match them."""
    by_label = {member.display: member for member in kind}
    found = []
    for label in text.split(","):
        if label not in by_label:
            message = f"Select a valid choice. {label} is not one of the available choices."
            raise invalid_filter(name, message)
        found.append(by_label[label])
    return found


def _boolean(name: str, text: str) -> bool:
    if text in {"true", "True", "1"}:
        return True
    if text in {"false", "False", "0"}:
        return False
    message = f"Select a valid choice. {text} is not one of the available choices."
    raise invalid_filter(name, message)


def _priority_bound(name: str, text: str, shift: int) -> int:
    """A priority bound moved by ``shift``, kept just outside LAVA's 0..100 range so that it
    stays a valid column value and selects the same jobs."""
    return min(max(_number(name, text) + shift, -1), 101)


def _time_filters(
    field: str, after: str, before: str, present: str | None = None
) -> dict[str, Parser]:
    """``<field>``, ``<field>__gt``, ``<field>__lt`` (and ``<field>__isnull`` when the time
    may be unset) for one of the job's times."""
    parsers: dict[str, Parser] = {
        field: lambda n, v: JobFilter(**{after: _moment(n, v), before: _moment(n, v) + _TICK}),
        f"{field}__gt": lambda n, v: JobFilter(**{after: _moment(n, v) + _TICK}),
        f"{field}__lt": lambda n, v: JobFilter(**{before: _moment(n, v)}),
    }
    if present is not None:
        parsers[f"{field}__isnull"] = lambda n, v: JobFilter(**{present: not _boolean(n, v)})
    return parsers


PARSERS: dict[str, Parser] = {
    "id": lambda n, v: JobFilter(ids=[_number(n, v)]),
    "id__in": lambda n, v: JobFilter(ids=[_number(n, part) for part in v.split(",")]),
    "id__gt": lambda n, v: JobFilter(id_greater_than=_number(n, v)),
    "id__lt": lambda n, v: JobFilter(id_less_than=_number(n, v)),
    "state": lambda n, v: JobFilter(states=_labels(JobState, n, v)),
    "state__in": lambda n, v: JobFilter(states=_labels(JobState, n, v)),
    "health": lambda n, v: JobFilter(healths=_labels(JobHealth, n, v)),
    "health__in": lambda n, v: JobFilter(healths=_labels(JobHealth, n, v)),
    "health_check": lambda n, v: JobFilter(health_check=_boolean(n, v)),
    "requested_device_type": lambda _n, v: JobFilter(device_types=[v]),
    "actual_device": lambda _n, v: JobFilter(devices=[v]),
    "submitter__username": lambda _n, v: JobFilter(submitters=[v]),
    "description__icontains": lambda _n, v: JobFilter(description_contains=v),
    **_time_filters("submit_time", "submitted_after", "submitted_before"),
    **_time_filters("start_time", "started_after", "started_before", "started"),
    **_time_filters("end_time", "ended_after", "ended_before", "ended"),
    "priority": lambda n, v: JobFilter(priorities=[_number(n, v)]),
    "priority__in": lambda n, v: JobFilter(priorities=[_number(n, p) for p in v.split(",")]),
    "priority__gt": lambda n, v: JobFilter(priority_at_least=_priority_bound(n, v, 1)),
    "priority__gte": lambda n, v: JobFilter(priority_at_least=_priority_bound(n, v, 0)),
    "priority__lt": lambda n, v: JobFilter(priority_at_most=_priority_bound(n, v, -1)),
    "priority__lte": lambda n, v: JobFilter(priority_at_most=_priority_bound(n, v, 0)),
}


def job_filters(params: QueryParams) -> list[JobFilter]:
    """The filters a query string asks for; RestError 400 for a bad or unsupported one."""
    specs = []
    for name, value in params.multi_items():
        parser = PARSERS.get(name)
        if parser is not None:
            if value:
                specs.append(parser(name, value))
        elif name.rstrip("!").split("__")[0] in LAVA_JOB_FIELDS:
            raise invalid_filter(name, UNSUPPORTED)
    return specs


def job_ordering(params: QueryParams) -> list[tuple[JobOrderField, bool]]:
    """``ordering=a,-b`` as (field, descending) pairs; unknown fields are dropped."""
    keys = []
    for term in params.get("ordering", "").split(","):
        field = ORDERING_FIELDS.get(term.strip().removeprefix("-"))
        if field is not None:
            keys.append((field, term.strip().startswith("-")))
    return keys
