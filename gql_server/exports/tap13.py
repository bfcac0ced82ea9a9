"""TAP 13 export of a job's test cases (results-formats.md §6).

The version line, the plan (the number of cases, known beforehand), then per suite a
comment line and one numbered result line per case; a failed case with a log range is
followed by its log lines as a YAML diagnostic block.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gql_server.exports.logs import case_log
from gql_server.exports.render import render
from gql_server.exports.rows import CaseRow
from gql_server.lab.enums import TestResult

_DIRECTIVES = {
    TestResult.SKIP: " # SKIP test skipped",
    TestResult.UNKNOWN: " # TODO unknown result",
}


class Tap13:
    """TAP 13 of ``total`` cases, given suite after suite; ``log`` holds the job's log lines."""

    def __init__(self, total: int, log: Sequence[str] = ()) -> None:
        self.total = total
        self.log = log
        self.number = 0
        self.suite_id: int | None = None

    def opening(self) -> str:
        return f"TAP version 13\n1..{self.total}\n"

    def rows(self, batch: Sequence[CaseRow]) -> str:
        return "".join(map(self._case, batch))

    def closing(self) -> str:
        return ""

    def _case(self, row: CaseRow) -> str:
        heading = ""
        if row.suite_id != self.suite_id:
            self.suite_id = row.suite_id
            heading = f"# TAP results for {row.suite}\n"
        self.number += 1
        result = TestResult(row.result)
        ok = "ok" if result in (TestResult.PASS, TestResult.SKIP) else "not ok"
        line = f"{ok} {self.number} {row.name}{_DIRECTIVES.get(result, '')}\n"
        return heading + line + (self._diagnostic(row) if result is TestResult.FAIL else "")

    def _diagnostic(self, row: CaseRow) -> str:
        lines = case_log(row, self.log)
        if not lines:
            return ""
        return " ---\n" + "".join(f" {line}" for line in lines) + " ...\n"


def tap13(rows: Sequence[CaseRow], log: Sequence[str] = ()) -> Iterator[str]:
    """The TAP 13 text of these cases (ordered suite by suite), in chunks."""
    return render(Tap13(len(rows), log), rows)
