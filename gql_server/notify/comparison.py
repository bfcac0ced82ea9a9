"""The results comparison of the verbose email (notifications.md §7.1), computed right.

Divergences from LAVA 2023.01 (decisions.md §10): the lists and counts are computed whether or
not a blacklist is given, a changed result reads "from <previous> to <current>", and a query
without any earlier Complete job still yields a section (see :mod:`.email_text`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gql_server.lab.enums import JobHealth, TestResult
from gql_server.notify.facts import CaseFacts, ListedJob, SuiteFacts

QUERY_LIMIT = 5
"""How many of the query's jobs (newest first) the email lists."""


@dataclass(frozen=True)
class Counts:
    """A suite's number of passed, failed and skipped test cases."""

    passed: int
    failed: int
    skipped: int


@dataclass(frozen=True)
class CountChange:
    """A suite present in both jobs whose counts differ."""

    suite: str
    current: Counts
    previous: Counts


@dataclass(frozen=True)
class ResultChange:
    """A test case present in both jobs whose result differs."""

    suite: str
    case: str
    previous: TestResult
    current: TestResult


@dataclass(frozen=True)
class Comparison:
    """What changed between the reference job's results and the current job's."""

    suites_added: tuple[str, ...]
    suites_removed: tuple[str, ...]
    count_changes: tuple[CountChange, ...]
    cases_added: tuple[CaseFacts, ...]
    """Cases of the current job (their ids give the links)."""
    cases_removed: tuple[CaseFacts, ...]
    """Cases of the reference job."""
    result_changes: tuple[ResultChange, ...]


def conditions_text(query: Mapping[str, Any]) -> str:
    """A custom ``compare.query``'s conditions as LAVA stores them: ``key__value`` pairs
    joined by ``,`` (the condition-string syntax its query parser reads)."""
    pairs = (query.get("conditions") or {}).items()
    return ",".join(f"{key}__{value}" for key, value in pairs)


def query_link(query: Mapping[str, Any]) -> str:
    """The site-relative link of a ``compare.query``: saved or custom, as LAVA writes it."""
    if "entity" in query:
        conditions = conditions_text(query)
        return f"/results/query/+custom?entity={query['entity']}&conditions={conditions}"
    return f"/results/query/~{query['username']}/{query['name']}"


def reference_job(jobs: Sequence[ListedJob], job_id: int) -> ListedJob | None:
    """The job compared with: the first of ``jobs`` (id descending) that is Complete and not
    the current job; ``None`` when there is none."""
    return next(
        (job for job in jobs if job.health is JobHealth.COMPLETE and job.id != job_id), None
    )


def visible_suites(
    suites: Iterable[SuiteFacts], blacklist: Collection[str]
) -> tuple[SuiteFacts, ...]:
    """The suites and cases whose names are not blacklisted."""
    return tuple(
        SuiteFacts(suite.name, tuple(case for case in suite.cases if case.name not in blacklist))
        for suite in suites
        if suite.name not in blacklist
    )


def _counts(suite: SuiteFacts) -> Counts:
    tally = Counter(case.result for case in suite.cases)
    return Counts(tally[TestResult.PASS], tally[TestResult.FAIL], tally[TestResult.SKIP])


def _repeated(suite: SuiteFacts) -> set[str]:
    seen = Counter(case.name for case in suite.cases)
    return {name for name, count in seen.items() if count > 1}


def _matchable(suite: SuiteFacts, skipped: set[str]) -> dict[str, CaseFacts]:
    return {case.name: case for case in suite.cases if case.name not in skipped}


def compare_results(
    current: Iterable[SuiteFacts], previous: Iterable[SuiteFacts], blacklist: Collection[str] = ()
) -> Comparison:
    """Compare two jobs' results by suite name and case name, blacklisted names left out.

    Lists keep the order of the job they come from. A case name repeated within a suite of
    either job cannot be matched, so it is left out of the case lists (as in LAVA); the
    suite counts still include it.
    """
    now = {suite.name: suite for suite in visible_suites(current, blacklist)}
    before = {suite.name: suite for suite in visible_suites(previous, blacklist)}
    common = [name for name in now if name in before]
    count_changes: list[CountChange] = []
    cases_added: list[CaseFacts] = []
    cases_removed: list[CaseFacts] = []
    result_changes: list[ResultChange] = []
    for name in common:
        counts_now, counts_before = _counts(now[name]), _counts(before[name])
        if counts_now != counts_before:
            count_changes.append(CountChange(name, counts_now, counts_before))
        skipped = _repeated(now[name]) | _repeated(before[name])
        cases_now = _matchable(now[name], skipped)
        cases_before = _matchable(before[name], skipped)
        cases_added.extend(case for key, case in cases_now.items() if key not in cases_before)
        cases_removed.extend(case for key, case in cases_before.items() if key not in cases_now)
        result_changes.extend(
            ResultChange(name, key, cases_before[key].result, case.result)
            for key, case in cases_now.items()
            if key in cases_before and cases_before[key].result is not case.result
        )
    return Comparison(
        suites_added=tuple(name for name in now if name not in before),
        suites_removed=tuple(name for name in before if name not in now),
        count_changes=tuple(count_changes),
        cases_added=tuple(cases_added),
        cases_removed=tuple(cases_removed),
        result_changes=tuple(result_changes),
    )
