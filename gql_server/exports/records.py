"""LAVA's export record of a test case and of a test suite, built from a row.

Every value of a test-case record is text except ``metadata``, the mapping parsed from
the case's stored YAML. Keys come in LAVA master's order (the YAML exports keep it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import yaml
from sqlalchemy.dialects import sqlite

from gql_server.exports.fast_yaml import load_flat_mapping
from gql_server.exports.rows import CaseRow, SuiteRow
from gql_server.lab.enums import TestResult

CASE_URL = "/results/testcase/{id}"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_metadata(text: str | None) -> dict[Any, Any]:
    """The mapping a case's stored metadata holds; a new empty one when there is none
    or the text is not a YAML mapping."""
    if not text:
        return {}
    quick = load_flat_mapping(text)
    if quick is not None:
        return quick
    try:
        parsed = yaml.load(text, Loader=_Loader)  # _Loader is a safe loader
    except yaml.YAMLError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def time_text(value: dt.datetime) -> str:
    """A time as LAVA's exports write it: ``str()`` of the aware UTC datetime."""
    return str(value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC))


# How SQLAlchemy stores a UTC time in SQLite (microseconds may be left out by other
# writers), and how it reads any other text back.
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{6})?\Z", re.ASCII)
_SQLITE_TIME = sqlite.DATETIME().result_processor(sqlite.dialect(), None)


def stored_time_text(value: str | dt.datetime) -> str:
    """:func:`time_text` of a UTC time as the database driver hands it over, unconverted:
    a datetime (PostgreSQL), or SQLite's stored text, rewritten without being parsed when
    it has the shape SQLAlchemy stores (``2022-07-01 00:45:13.355000``)."""
    if isinstance(value, dt.datetime):
        return time_text(value)
    if _STORED_TIME.match(value):
        return (value[:19] if value.endswith(".000000") else value) + "+00:00"
    return time_text(_SQLITE_TIME(value).replace(tzinfo=dt.UTC))


_STORED_TIMES = re.compile(r"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\n)*\Z", re.ASCII)


def stored_time_texts(values: Sequence[Any]) -> list[str]:
    """:func:`stored_time_text` of each value; SQLite's texts of a whole batch are
    checked in one scan when all have SQLAlchemy's shape (microseconds included)."""
    try:
        whole = "\n".join(values) + "\n"
    except TypeError:  # PostgreSQL's datetimes
        whole = ""
    if whole.count("\n") == len(values) and _STORED_TIMES.match(whole):  # one line each
        return [text[:19] + "+00:00" if text.endswith(".000000") else text + "+00:00"
                for text in values]  # fmt: skip
    return [stored_time_text(value) for value in values]


def _line(number: int | None) -> str:
    return str(number) if number else ""


RESULT_TEXT = {int(result): result.display for result in TestResult}
"""The export text of each result code."""


def case_record(row: CaseRow) -> dict[str, Any]:
    """The export record of one test case, keys in LAVA master's order (``metadata``
    last)."""
    metadata = parse_metadata(row.metadata)
    return {
        "name": row.name,
        "job": str(row.job_id),
        "suite": str(row.suite),
        "result": RESULT_TEXT[row.result],
        "measurement": str(row.measurement),
        "unit": row.units or "",
        "level": metadata.get("level", ""),
        "url": CASE_URL.format(id=row.id),
        "id": str(row.id),
        "logged": row.logged,
        "log_start_line": _line(row.start_log_line),
        "log_end_line": _line(row.end_log_line),
        "metadata": metadata,
    }


def suite_record(row: SuiteRow) -> dict[str, str]:
    """The export record of one test suite (keys sorted, as LAVA dumps it)."""
    return {"id": str(row.id), "job": str(row.job_id), "name": str(row.name)}


def metadata_pairs(metadata: dict[str, Any] | None) -> list[dict[str, str]]:
    """A job's definition metadata in LAVA's legacy export shape: one single-entry
    ``{name: str(value)}`` mapping per key, in definition order."""
    return [{key: str(value)} for key, value in (metadata or {}).items()]
