"""The pieces of the results comparison the caller uses directly (notifications.md §7.1)."""

from __future__ import annotations

import pytest

from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.notify.comparison import (
    CountChange,
    Counts,
    ResultChange,
    compare_results,
    query_link,
    reference_job,
)
from gql_server.notify.facts import CaseFacts, ListedJob, SuiteFacts

S, H, R = JobState, JobHealth, TestResult


@pytest.mark.parametrize(
    ("query", "link"),
    [
        ({"username": "bob", "name": "nightly"}, "/results/query/~bob/nightly"),
        (
            {"entity": "testjob", "conditions": {"description": "smoke", "state__exact": "Done"}},
            "/results/query/+custom?entity=testjob&conditions=description__smoke,"
            "state__exact__Done",
        ),
        ({"entity": "testjob"}, "/results/query/+custom?entity=testjob&conditions="),
    ],
)
def test_query_link(query, link):
    assert query_link(query) == link


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        ((), None),
        ((ListedJob(42, S.FINISHED, H.COMPLETE),), None),
        ((ListedJob(41, S.FINISHED, H.INCOMPLETE), ListedJob(40, S.FINISHED, H.CANCELED)), None),
        (
            (
                ListedJob(42, S.FINISHED, H.COMPLETE),
                ListedJob(41, S.FINISHED, H.INCOMPLETE),
                ListedJob(40, S.FINISHED, H.COMPLETE),
                ListedJob(39, S.FINISHED, H.COMPLETE),
            ),
            40,
        ),
    ],
)
def test_reference_job_is_the_first_complete_other_job(jobs, expected):
    found = reference_job(jobs, 42)
    assert (found.id if found else None) == expected


def test_compare_results_counts_and_changes_with_previous_and_current_kept_apart():
    current = (SuiteFacts("s", (CaseFacts(1, "a", R.FAIL), CaseFacts(2, "b", R.SKIP))),)
    previous = (SuiteFacts("s", (CaseFacts(3, "a", R.PASS), CaseFacts(4, "b", R.SKIP))),)
    comparison = compare_results(current, previous)
    assert comparison.count_changes == (CountChange("s", Counts(0, 1, 1), Counts(1, 0, 1)),)
    assert comparison.result_changes == (ResultChange("s", "a", R.PASS, R.FAIL),)
    assert comparison.suites_added == comparison.suites_removed == ()
    assert comparison.cases_added == comparison.cases_removed == ()


def test_compare_results_with_nothing_to_compare():
    comparison = compare_results((), ())
    assert comparison == compare_results((), (), blacklist=["x"])
    assert comparison.count_changes == ()
