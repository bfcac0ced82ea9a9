"""CSV exports: the test cases of a job or suite, and the list of a job's suites.

Python's CSV dialect, as LAVA writes it: CRLF after every line, every field quoted
(the ``/results/<job>/csv`` stream quotes only where needed).
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from gql_server.exports.records import CASE_KEYS, case_values, suite_record
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


# Each CSV column's place among a record's values, followed by the metadata's repr and
# the empty text of the columns the record lacks (duration, timeout).
_REPR, _EMPTY = len(CASE_KEYS), len(CASE_KEYS) + 1
_PLACES = {**{key: place for place, key in enumerate(CASE_KEYS)}, "metadata": _REPR}
_PICK = operator.itemgetter(*(_PLACES.get(column, _EMPTY) for column in CASE_COLUMNS))


def _case_fields(row: CaseRow) -> tuple[Any, ...]:
    values = case_values(row)
    return _PICK((*values, repr(values[-1]), ""))


class CasesCsv:
    """Header, then one line per test case."""

    def __init__(self, quote_all: bool = True) -> None:
        self.quote_all = quote_all

    def opening(self) -> str:
        return _lines([CASE_COLUMNS], self.quote_all)

    def rows(self, batch: Sequence[CaseRow]) -> str:
        return _lines(map(_case_fields, batch), self.quote_all)

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
