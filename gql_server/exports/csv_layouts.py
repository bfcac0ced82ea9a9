"""CSV exports: the test cases of a job or suite, and the list of a job's suites.

Python's CSV dialect, as LAVA writes it: CRLF after every line, every field quoted
(the ``/results/<job>/csv`` stream quotes only where needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from gql_server.exports.records import RESULT_TEXT, parse_metadata, suite_record
from gql_server.exports.render import render
from gql_server.exports.rows import CaseRow, SuiteRow

CASE_COLUMNS = (
    "job", "suite", "result", "measurement", "unit", "duration", "timeout", "logged", "level",
    "metadata", "url", "name", "id", "log_start_line", "log_end_line",
)  # fmt: skip
SUITE_COLUMNS = ("name", "job", "id")


def _lines(rows: Iterable[Sequence[Any]], quote_all: bool) -> str:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buffer, quoting=quoting).writerows(rows)
    return buffer.getvalue()


_QUOTES_PER_LINE = 2 * len(CASE_COLUMNS)


def _all_quoted(rows: list[tuple[Any, ...]]) -> str | None:
    """The lines the csv writer writes for these rows with every field quoted, joined in
    a few calls over the whole batch; None unless every field is text and none holds a
    quote (the writer would double it) -- the writer itself then writes the batch."""
    try:
        text = '"\r\n"'.join(['","'.join(fields) for fields in rows])
    except TypeError:  # a field that is not text: the writer's str() and None rules
        return None
    if text.count('"') != _QUOTES_PER_LINE * len(rows) - 2:
        return None
    return f'"{text}"\r\n'


def _case_fields(batch: Sequence[CaseRow]) -> list[tuple[Any, ...]]:
    """Each case's fields in the order of :data:`CASE_COLUMNS`, built straight from the
    row: the values of its export record, the metadata's repr, no duration or timeout."""
    return [
        (
            str(row.job_id),
            str(row.suite),
            RESULT_TEXT[row.result],
            str(row.measurement),
            row.units or "",
            "",
            "",
            row.logged,
            (metadata := parse_metadata(row.metadata)).get("level", ""),
            repr(metadata),
            f"/results/testcase/{row.id}",
            row.name,
            str(row.id),
            str(row.start_log_line) if row.start_log_line else "",
            str(row.end_log_line) if row.end_log_line else "",
        )
        for row in batch
    ]


class CasesCsv:
    """Header, then one line per test case."""

    def __init__(self, quote_all: bool = True) -> None:
        self.quote_all = quote_all

    def opening(self) -> str:
        return _lines([CASE_COLUMNS], self.quote_all)

    def rows(self, batch: Sequence[CaseRow]) -> str:
        fields = _case_fields(batch)
        quoted = _all_quoted(fields) if self.quote_all and fields else None
        return quoted if quoted is not None else _lines(fields, self.quote_all)

    def closing(self) -> str:
        return ""


class SuitesCsv:
    """Header, then one line per suite."""

    def opening(self) -> str:
        return _lines([SUITE_COLUMNS], True)

    def rows(self, batch: Sequence[SuiteRow]) -> str:
        records = (suite_record(row) for row in batch)
        return _lines(([r[c] for c in SUITE_COLUMNS] for r in records), True)

    def closing(self) -> str:
        return ""


def cases_csv(rows: Iterable[CaseRow], quote_all: bool = True) -> Iterator[str]:
    """The CSV of these test cases, in chunks."""
    return render(CasesCsv(quote_all), rows)


def suites_csv(rows: Iterable[SuiteRow]) -> Iterator[str]:
    """The CSV list of these suites, in chunks."""
    return render(SuitesCsv(), rows)
