"""Formatting shared by the email, IRC and callback renderers: times, links, labels, escaping."""

from __future__ import annotations

import datetime as dt

from gql_server.lab.enums import PRIORITY_HIGH, PRIORITY_LOW, PRIORITY_MEDIUM, JobHealth, JobState
from gql_server.lab.legacy import job_status

_PRIORITY_LABELS = {PRIORITY_LOW: "Low", PRIORITY_MEDIUM: "Medium", PRIORITY_HIGH: "High"}
_LEGACY_CODES = {
    "submitted": 0,
    "running": 1,
    "complete": 2,
    "incomplete": 3,
    "canceled": 4,
    "canceling": 5,
}
# What LAVA's templates escape (HTML autoescaping), with the entities they write.
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def escape(value: object) -> str:
    """``str(value)`` with ``& < > " '`` written as HTML entities.

    LAVA renders its email and IRC templates with HTML autoescaping on, so these characters
    reach the plain-text message as entities; we write the same text (notifications.md §7).
    """
    return str(value).translate(_ENTITIES)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """The moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def format_time(moment: dt.datetime | None) -> str:
    """A time as the notification texts show it, ``2023-01-10 12:30:00 (+0000 UTC)``; or ``""``."""
    if moment is None:
        return ""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S (+0000 UTC)")


def format_duration(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """The run time as ``H:MM:SS`` (whole seconds), or ``None`` when a bound is missing."""
    if start is None or end is None:
        return "None"
    seconds = int((as_utc(end) - as_utc(start)).total_seconds())
    return str(dt.timedelta(seconds=seconds))


def priority_label(priority: int) -> str:
    """``Low``, ``Medium`` or ``High`` for LAVA's named priorities, else the number."""
    return _PRIORITY_LABELS.get(priority, str(priority))


def legacy_status(state: JobState, health: JobHealth) -> tuple[int, str]:
    """LAVA's legacy job status code and word, as callbacks and URL placeholders use them.

    0 ``submitted`` (queued states), 1 ``running``, 2 ``complete``, 3 ``incomplete`` (also
    Finished with Unknown health), 4 ``canceled``, 5 ``canceling``.
    """
    word = job_status(state, health).lower()
    return _LEGACY_CODES[word], word


def job_url(url_prefix: str, display_id: str) -> str:
    """The job page: ``<prefix>/scheduler/job/<id or sub-id>``."""
    return f"{url_prefix}/scheduler/job/{display_id}"


def suite_url(url_prefix: str, display_id: str, suite: str) -> str:
    """A suite's results page: ``<prefix>/results/<job>/<suite>``."""
    return f"{url_prefix}/results/{display_id}/{suite}"


def case_url(url_prefix: str, case_id: int) -> str:
    """A test case's page: ``<prefix>/results/testcase/<id>``."""
    return f"{url_prefix}/results/testcase/{case_id}"
