"""JUnit XML export of a job's test cases (results-formats.md §5), as junit-xml 1.9 writes
it through minidom: one element per line, tab indentation.

Suite and root elements carry totals (tests, failures, skipped, summed durations) before
their cases, so the export reads the cases twice: :class:`JunitTotals` first adds them
up, then :class:`Junit` writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import deque
from collections.abc import Iterator, Sequence

from gql_server.exports.logs import case_log
from gql_server.exports.records import parse_metadata
from gql_server.exports.render import render
from gql_server.exports.rows import CaseRow, SuiteRow
from gql_server.lab.enums import TestResult

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_UNCHANGED = re.compile('[^&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*\\Z')


def xml_text(value: object) -> str:
    """Text for an attribute or element: illegal characters dropped, markup escaped."""
    text = str(value)
    if _UNCHANGED.match(text):  # most text: one scan, nothing to change
        return text
    return _ILLEGAL.sub("", text).translate(_ESCAPES)


def _attributes(pairs: Sequence[tuple[str, object]]) -> str:
    return "".join(f' {name}="{xml_text(value)}"' for name, value in pairs)


def case_duration(row: CaseRow) -> float:
    """A case's ``duration`` metadata in seconds; 0 when it has none (as the suites'
    totals read them, metadata that does not mention ``duration`` has none)."""
    if not row.metadata or "duration" not in row.metadata:
        return 0.0
    try:
        return float(parse_metadata(row.metadata).get("duration") or 0)
    except (TypeError, ValueError):
        return 0.0


@dataclasses.dataclass
class SuiteTotals:
    """What a ``<testsuite>`` element says about its cases."""

    name: str | None
    tests: int = 0
    failures: int = 0
    skipped: int = 0
    time: float | int = 0  # Python's sum: the integer 0 when no case has a duration


class JunitTotals:
    """Adds up each suite's cases, batch by batch (the first reading)."""

    def __init__(self, suites: Sequence[SuiteRow]) -> None:
        self.suites = {suite.id: SuiteTotals(suite.name) for suite in suites}

    def add(self, batch: Sequence[CaseRow]) -> None:
        for row in batch:
            totals = self.suites[row.suite_id]
            totals.tests += 1
            totals.failures += row.result == TestResult.FAIL
            totals.skipped += row.result == TestResult.SKIP
        self.add_durations(batch)

    def count(self, suite_id: int, tests: int, failures: int, skipped: int) -> None:
        """Add cases of a suite counted elsewhere (by the database)."""
        totals = self.suites[suite_id]
        totals.tests += tests
        totals.failures += failures
        totals.skipped += skipped

    def add_durations(self, batch: Sequence[CaseRow]) -> None:
        """Add the durations of these cases (in case order within each suite: the sums
        are Python's, rounding included). Cases without one may be left out."""
        for row in batch:
            if duration := case_duration(row):
                self.suites[row.suite_id].time += duration


class Junit:
    """The document, given the totals of every suite (ordered by id) and the cases in the
    same suite order. ``ended`` is the job's end time (each suite's timestamp), ``log`` the job's
    log lines, ``classname_prefix`` LAVA's optional class-name prefix."""

    def __init__(
        self,
        totals: JunitTotals,
        ended: dt.datetime | None,
        log: Sequence[str] = (),
        classname_prefix: str = "",
    ) -> None:
        self.pending = deque(totals.suites.items())
        self.without_suites = not self.pending
        self.ended = ended
        self.log = log
        self.prefix = classname_prefix
        self.open_suite: int | None = None
        self.classnames: dict[str | None, str] = {}

    def opening(self) -> str:
        if self.without_suites:
            return DECLARATION + "<testsuites/>\n"
        suites = [totals for _, totals in self.pending]
        root = (
            ("disabled", 0),
            ("errors", 0),
            ("failures", sum(s.failures for s in suites)),
            ("tests", sum(s.tests for s in suites)),
            ("time", sum(float(str(s.time)) for s in suites)),
        )
        return f"{DECLARATION}<testsuites{_attributes(root)}>\n"

    def rows(self, batch: Sequence[CaseRow]) -> str:
        return "".join(map(self._case, batch))

    def closing(self) -> str:
        if self.without_suites:
            return ""
        return self._suites_until(None) + "</testsuites>\n"

    def _suites_until(self, suite_id: int | None) -> str:
        """Close the open suite, write the empty ones before ``suite_id``, open it."""
        parts = ["\t</testsuite>\n"] if self.open_suite is not None else []
        self.open_suite = None
        while self.pending:
            current, totals = self.pending.popleft()
            if current == suite_id:
                parts.append(f"\t<testsuite{self._suite_attributes(totals)}>\n")
                self.open_suite = current
                break
            parts.append(f"\t<testsuite{self._suite_attributes(totals)}/>\n")
        return "".join(parts)

    def _suite_attributes(self, totals: SuiteTotals) -> str:
        pairs: list[tuple[str, object]] = [
            ("disabled", 0),
            ("errors", 0),
            ("failures", totals.failures),
            ("name", totals.name),
            ("skipped", totals.skipped),
            ("tests", totals.tests),
            ("time", totals.time),
        ]
        if self.ended is not None:
            pairs.append(("timestamp", self.ended.astimezone(dt.UTC).isoformat()))
        return _attributes(pairs)

    def _classname(self, suite: str | None) -> str:
        """The escaped ``classname`` attribute of a suite's cases (remembered)."""
        text = self.classnames.get(suite)
        if text is None:
            classname = f"{self.prefix}_{suite}" if self.prefix else suite
            text = self.classnames[suite] = f' classname="{xml_text(classname)}"'
        return text

    def _case(self, row: CaseRow) -> str:
        opening = "" if row.suite_id == self.open_suite else self._suites_until(row.suite_id)
        duration = case_duration(row)
        time = f' time="{xml_text(f"{duration:f}")}"' if duration else ""
        timestamp = row.logged.replace(" ", "T", 1)  # isoformat(): digits and signs only
        element = (
            f'\t\t<testcase name="{xml_text(row.name)}"{time} timestamp="{timestamp}"'
            f"{self._classname(row.suite)}"
        )
        child = self._child(row)
        if not child:
            return f"{opening}{element}/>\n"
        return f"{opening}{element}>\n{child}\t\t</testcase>\n"

    def _child(self, row: CaseRow) -> str:
        if row.result == TestResult.SKIP:
            return '\t\t\t<skipped type="skipped" message="skipped"/>\n'
        if row.result != TestResult.FAIL:
            return ""
        text = "".join(case_log(row, self.log))
        failure = '\t\t\t<failure type="failure" message="failed"'
        return f"{failure}>{xml_text(text)}</failure>\n" if text else f"{failure}/>\n"


def junit(
    suites: Sequence[SuiteRow],
    rows: Sequence[CaseRow],
    ended: dt.datetime | None,
    log: Sequence[str] = (),
    classname_prefix: str = "",
) -> Iterator[str]:
    """The JUnit XML of these suites and their cases (ordered suite by suite), in chunks."""
    totals = JunitTotals(suites)
    totals.add(rows)
    return render(Junit(totals, ended, log, classname_prefix), rows)
