"""The notification email: subject, and body for each verbosity (notifications.md §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.notify.email_text import Addressee, CompareFacts, email_body, email_subject
from gql_server.notify.facts import CaseFacts, JobError, ListedJob, SuiteFacts
from tests.support.notify_facts import job

S, H, R = JobState, JobHealth, TestResult
P = "http://lava.example.org"

HEAD = f"""Hello,

The job with ID # 42 is now in state Finished and health Complete. Job was submitted by alice.
Job details and log file: {P}/scheduler/job/42
"""
SIGNATURE = """
--
LAVA
Linaro Automated Validation Architecture
"""
DETAILS = """
Device details:
Hostname: qemu01
Type: qemu
Owner: olga
Worker: worker1

Job details:
Priority: Medium
Description: smoke test
Submitted: 2023-01-10 12:00:00 (+0000 UTC)
Started: 2023-01-10 12:30:00 (+0000 UTC)
Finished: 2023-01-10 13:35:07 (+0000 UTC)
Duration: 1:05:06
"""
SUITES = (
    SuiteFacts(
        "0_smoke",
        (
            CaseFacts(1, "boot", R.PASS),
            CaseFacts(2, "net", R.FAIL),
            CaseFacts(3, "speed", R.PASS, Decimal("20.28"), "MB/s"),
            CaseFacts(4, "zero", R.SKIP, Decimal("0")),
            CaseFacts(5, "odd", R.UNKNOWN),
        ),
    ),
    SuiteFacts("lava", (CaseFacts(6, "job", R.PASS),)),
)
RESULTS = f"""
Metadata:
build: 1234
branch: main

Results:

Test Suite 0_smoke: {P}/results/42/0_smoke
Test Case boot: Test passed
Test Case net: Test failed
Test Case speed: Test passed
Measurement: 20.28 MB/s
Test Case zero: Test skipped
Test Case odd: Unknown outcome

Test Suite lava: {P}/results/42/lava
Test Case job: Test passed
"""


@pytest.mark.parametrize(
    ("description", "subject"),
    [
        ("smoke test", "LAVA notification for Test Job 42 smoke test"),
        ("ünïcode & <tags>", "LAVA notification for Test Job 42 ünïcode & <tags>"),
        ("x" * 250, "LAVA notification for Test Job 42 " + "x" * 200),
        ("two\nlines\r\nhere", "LAVA notification for Test Job 42 two lines here"),
    ],
)
def test_subject(description, subject):
    assert email_subject(job(description=description)) == subject


def test_subject_of_a_multinode_sub_job_names_the_sub_id():
    assert email_subject(job(sub_id="42.1")) == "LAVA notification for Test Job 42.1 smoke test"


@pytest.mark.parametrize(
    ("verbosity", "body"),
    [
        ("status-only", HEAD + SIGNATURE),
        ("quiet", HEAD + DETAILS + SIGNATURE),
        (
            "verbose",
            HEAD + DETAILS + RESULTS + "\nNo query is set for results comparing.\n" + SIGNATURE,
        ),
    ],
)
def test_body_for_each_verbosity(verbosity, body):
    assert email_body(job(), verbosity, suites=SUITES) == body


def test_quiet_is_the_default_verbosity():
    assert email_body(job(), suites=SUITES) == HEAD + DETAILS + SIGNATURE


@pytest.mark.parametrize("verbosity", ["verbose", "quiet", "status-only"])
def test_a_running_job_gets_the_short_mail_whatever_the_verbosity(verbosity):
    running = job(state=S.RUNNING, health=H.UNKNOWN, end_time=None)
    assert email_body(running, verbosity, suites=SUITES) == (
        HEAD.replace("Finished and health Complete", "Running and health Unknown") + SIGNATURE
    )


def test_greeting_names_a_lab_user_even_with_empty_names():
    assert email_body(job(), "status-only", addressee=Addressee("Ann", "Lee")).startswith(
        "Dear Ann Lee,\n\n"
    )
    assert email_body(job(), "status-only", addressee=Addressee("", "")).startswith("Dear  ,\n")


def test_incomplete_job_shows_its_error_and_a_job_without_device_no_device():
    facts = job(
        health=H.INCOMPLETE,
        device=None,
        error=JobError("Infrastructure", "Unable to boot <kernel>"),
    )
    body = email_body(facts, "quiet")
    assert body == (
        HEAD.replace("health Complete", "health Incomplete")
        + "\nInfrastructure error: Unable to boot &lt;kernel&gt;\n"
        + DETAILS[DETAILS.index("\nJob details:") :]
        + SIGNATURE
    )


def test_canceled_while_queued_renders_with_empty_times():
    facts = job(health=H.CANCELED, start_time=None, end_time=None, device=None, priority=100)
    body = email_body(facts, "quiet")
    assert "\nPriority: High\n" in body
    assert "\nStarted: \nFinished: \nDuration: None\n" in body
    assert "Device details:" not in body


def test_values_are_escaped_and_unicode_kept():
    facts = job(description="Tëst <b> & 'q'", metadata={"k&": "v<"}, submitter="ø")
    body = email_body(facts, "verbose")
    assert "Job was submitted by ø." in body
    assert "\nDescription: Tëst &lt;b&gt; &amp; &#39;q&#39;\n" in body
    assert "\nk&amp;: v&lt;\n" in body


def test_blacklist_hides_suites_and_cases_and_is_listed():
    body = email_body(job(), "verbose", suites=SUITES, blacklist=["lava", "net"])
    assert "\nResults:\nBlacklisted: lava net \n" in body
    assert "Test Suite lava" not in body
    assert "Test Case net" not in body
    assert "Test Case boot: Test passed" in body


# ---- the comparison section --------------------------------------------------------------

CURRENT = (
    SuiteFacts(
        "0_smoke",
        (
            CaseFacts(1, "boot", R.PASS),
            CaseFacts(2, "net", R.PASS),
            CaseFacts(3, "new-case", R.FAIL),
            CaseFacts(4, "dup", R.PASS),
            CaseFacts(5, "dup", R.FAIL),
        ),
    ),
    SuiteFacts("1_added", (CaseFacts(6, "a", R.PASS),)),
)
PREVIOUS = (
    SuiteFacts(
        "0_smoke",
        (
            CaseFacts(11, "boot", R.PASS),
            CaseFacts(12, "net", R.FAIL),
            CaseFacts(13, "gone", R.SKIP),
            CaseFacts(14, "dup", R.FAIL),
        ),
    ),
    SuiteFacts("2_removed", (CaseFacts(15, "b", R.PASS),)),
)
JOBS = (
    ListedJob(42, S.FINISHED, H.COMPLETE),
    ListedJob(40, S.FINISHED, H.INCOMPLETE),
    ListedJob(39, S.FINISHED, H.COMPLETE),
    ListedJob(38, S.FINISHED, H.COMPLETE),
    ListedJob(37, S.RUNNING, H.UNKNOWN),
    ListedJob(36, S.FINISHED, H.COMPLETE),
)
LISTED = f"""
Comparing:
Query used: {P}/results/query/~bob/nightly
Last 5 jobs:
Test job: {P}/scheduler/job/42
State: Finished
Health: Complete
Test job: {P}/scheduler/job/40
State: Finished
Health: Incomplete
Test job: {P}/scheduler/job/39
State: Finished
Health: Complete
Test job: {P}/scheduler/job/38
State: Finished
Health: Complete
Test job: {P}/scheduler/job/37
State: Running
Health: Unknown
"""
DIFFERENCES = f"""
Comparing to latest complete job: {P}/scheduler/job/39

New test suites added:
{P}/results/42/1_added

Test suites removed:
{P}/results/39/2_removed

Suite result count changes:
Suite "0_smoke" has 3 passed, 2 failed, 0 skipped test cases.
Previously "0_smoke" had 1 passed, 2 failed, 1 skipped test cases.

New test cases added:
{P}/results/testcase/3

Test cases removed:
{P}/results/testcase/13

Test cases result change:
In suite "0_smoke", test case "net" changed result from "fail" to "pass".
"""


def _verbose_tail(body: str) -> str:
    return body[body.index("\nComparing:") : body.index(SIGNATURE)]


def test_comparison_without_blacklist_lists_every_difference_the_right_way_round():
    compare = CompareFacts("/results/query/~bob/nightly", JOBS, PREVIOUS)
    body = email_body(job(), "verbose", suites=CURRENT, compare=compare)
    assert _verbose_tail(body) == LISTED + DIFFERENCES


def test_comparison_with_no_differences():
    compare = CompareFacts("/results/query/~bob/nightly", JOBS, CURRENT)
    body = email_body(job(), "verbose", suites=CURRENT, compare=compare)
    assert _verbose_tail(body) == LISTED + (
        f"\nComparing to latest complete job: {P}/scheduler/job/39\n"
        "\nNew test suites added:\nNone.\n"
        "\nTest suites removed:\nNone.\n"
        "\nSuite result count changes:\nNo result count changes.\n"
        "\nNew test cases added:\nNone.\n"
        "\nTest cases removed:\nNone.\n"
        "\nTest cases result change:\nNo test cases changed result.\n"
    )


def test_comparison_renders_without_an_earlier_complete_job():
    jobs = (ListedJob(42, S.FINISHED, H.COMPLETE), ListedJob(40, S.FINISHED, H.INCOMPLETE))
    compare = CompareFacts("/results/query/~bob/nightly", jobs)
    body = email_body(job(), "verbose", suites=CURRENT, compare=compare)
    assert _verbose_tail(body) == (
        f"\nComparing:\nQuery used: {P}/results/query/~bob/nightly\nLast 5 jobs:\n"
        f"Test job: {P}/scheduler/job/42\nState: Finished\nHealth: Complete\n"
        f"Test job: {P}/scheduler/job/40\nState: Finished\nHealth: Incomplete\n"
        "\nNo jobs with COMPLETE status to compare results with.\n"
    )


def test_comparison_with_an_empty_query():
    compare = CompareFacts("/results/query/+custom?entity=testjob&conditions=a__b", ())
    body = email_body(job(), "verbose", compare=compare)
    assert _verbose_tail(body) == (
        f"\nComparing:\nQuery used: {P}/results/query/+custom?entity=testjob&amp;conditions=a__b"
        "\nLast 5 jobs:\n\nNo jobs with COMPLETE status to compare results with.\n"
    )


def test_comparison_leaves_blacklisted_names_out():
    compare = CompareFacts("/results/query/~bob/nightly", JOBS, PREVIOUS)
    body = email_body(
        job(), "verbose", suites=CURRENT, compare=compare, blacklist=["net", "2_removed"]
    )
    tail = _verbose_tail(body)
    assert "Test suites removed:\nNone.\n" in tail
    assert '"net"' not in tail
    assert "Test cases result change:\nNo test cases changed result.\n" in tail
    assert 'Suite "0_smoke" has 2 passed, 2 failed, 0 skipped test cases.' in tail


def test_comparison_only_in_verbose_mails():
    compare = CompareFacts("/results/query/~bob/nightly", JOBS, PREVIOUS)
    assert "Comparing" not in email_body(job(), "quiet", suites=CURRENT, compare=compare)
