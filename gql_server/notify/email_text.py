"""The notification email: subject and plain-text body, for each verbosity (notifications.md §7).

The body follows LAVA's ``testjob_notification.txt`` line for line, values HTML-escaped as LAVA
writes them. Where we differ (decisions.md §10-11): the comparison section is computed right
(:mod:`.comparison`) and, when the query holds no earlier Complete job, says so instead of
making the whole email fail; times are the job's real start and end times.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.notify.comparison import (
    QUERY_LIMIT,
    Comparison,
    Counts,
    compare_results,
    reference_job,
    visible_suites,
)
from gql_server.notify.facts import JobFacts, ListedJob, SuiteFacts
from gql_server.notify.render import (
    case_url,
    escape,
    format_duration,
    format_time,
    job_url,
    priority_label,
    suite_url,
)

SUBJECT_DESCRIPTION_LIMIT = 200
_OUTCOMES = {
    TestResult.PASS: "Test passed",
    TestResult.FAIL: "Test failed",
    TestResult.SKIP: "Test skipped",
    TestResult.UNKNOWN: "Unknown outcome",
}
_SIGNATURE = ["--", "LAVA", "Linaro Automated Validation Architecture"]


@dataclass(frozen=True)
class Addressee:
    """A recipient who is a user of the lab: the greeting names them."""

    first_name: str
    last_name: str


@dataclass(frozen=True)
class CompareFacts:
    """What the caller found for ``compare.query``, for the verbose email."""

    query_link: str
    """Site-relative link of the query (:func:`.comparison.query_link`)."""
    jobs: tuple[ListedJob, ...]
    """The query's jobs, id descending; only the first five are listed."""
    reference_suites: tuple[SuiteFacts, ...] = ()
    """The results of :func:`.comparison.reference_job` of ``jobs``, if there is one."""


def email_subject(job: JobFacts) -> str:
    """``LAVA notification for Test Job <id> <description, first 200 characters>``.

    Line breaks in the description become spaces, so that the subject stays one header line
    (LAVA would fail to send such a mail).
    """
    description = " ".join(job.description[:SUBJECT_DESCRIPTION_LIMIT].splitlines())
    return f"LAVA notification for Test Job {job.display_id} {description}"


def email_body(
    job: JobFacts,
    verbosity: str = "quiet",
    *,
    addressee: Addressee | None = None,
    suites: Sequence[SuiteFacts] = (),
    blacklist: Collection[str] = (),
    compare: CompareFacts | None = None,
) -> str:
    """The plain-text body for one recipient.

    ``verbosity`` is the block's (``verbose``, ``quiet`` or ``status-only``; LAVA's default is
    ``quiet``). Job, device and time details appear only for a Finished job and a verbosity
    other than ``status-only``; metadata, results and the comparison only when ``verbose``.
    ``suites`` are the job's results; ``blacklist`` is ``compare.blacklist``; ``compare`` is
    ``None`` when the block has no ``compare.query``.
    """
    greeting = (
        f"Dear {escape(addressee.first_name)} {escape(addressee.last_name)},"
        if addressee is not None
        else "Hello,"
    )
    lines = [
        greeting,
        "",
        f"The job with ID # {escape(job.display_id)} is now in state {job.state.display} and "
        f"health {job.health.display}. Job was submitted by {escape(job.submitter)}.",
        f"Job details and log file: {escape(job_url(job.url_prefix, job.display_id))}",
    ]
    if job.state is JobState.FINISHED and verbosity != "status-only":
        lines += _details(job)
        if verbosity == "verbose":
            lines += _metadata(job)
            lines += _results(job, suites, blacklist)
            lines += _comparison_section(job, suites, blacklist, compare)
    return "\n".join([*lines, "", *_SIGNATURE, ""])


def _details(job: JobFacts) -> list[str]:
    lines = [""]
    if job.error is not None and job.health is JobHealth.INCOMPLETE:
        lines += [f"{escape(job.error.error_type)} error: {escape(job.error.error_msg)}", ""]
    device = job.device
    if device is not None:
        lines += [
            "Device details:",
            f"Hostname: {escape(device.hostname)}",
            f"Type: {escape(device.device_type)}",
            f"Owner: {escape(device.owner)}",
            f"Worker: {escape(device.worker)}",
            "",
        ]
    return [
        *lines,
        "Job details:",
        f"Priority: {priority_label(job.priority)}",
        f"Description: {escape(job.description)}",
        f"Submitted: {format_time(job.submit_time)}",
        f"Started: {format_time(job.start_time)}",
        f"Finished: {format_time(job.end_time)}",
        f"Duration: {format_duration(job.start_time, job.end_time)}",
    ]


def _metadata(job: JobFacts) -> list[str]:
    return ["", "Metadata:", *(f"{escape(k)}: {escape(v)}" for k, v in job.metadata.items())]


def _results(job: JobFacts, suites: Sequence[SuiteFacts], blacklist: Collection[str]) -> list[str]:
    lines = ["", "Results:"]
    if blacklist:
        lines.append("Blacklisted: " + "".join(f"{escape(name)} " for name in blacklist))
    for suite in visible_suites(suites, blacklist):
        url = suite_url(job.url_prefix, job.display_id, suite.name)
        lines += ["", f"Test Suite {escape(suite.name)}: {escape(url)}"]
        for case in suite.cases:
            lines.append(f"Test Case {escape(case.name)}: {_OUTCOMES[case.result]}")
            if case.measurement:
                lines.append(f"Measurement: {escape(case.measurement)} {escape(case.units)}")
    return lines


def _comparison_section(
    job: JobFacts,
    suites: Sequence[SuiteFacts],
    blacklist: Collection[str],
    compare: CompareFacts | None,
) -> list[str]:
    if compare is None:
        return ["", "No query is set for results comparing."]
    lines = [
        "",
        "Comparing:",
        f"Query used: {escape(job.url_prefix + compare.query_link)}",
        f"Last {QUERY_LIMIT} jobs:",
    ]
    for listed in compare.jobs[:QUERY_LIMIT]:
        lines += [
            f"Test job: {escape(job_url(job.url_prefix, listed.display_id))}",
            f"State: {listed.state.display}",
            f"Health: {listed.health.display}",
        ]
    reference = reference_job(compare.jobs[:QUERY_LIMIT], job.id)
    if reference is None:
        return [*lines, "", "No jobs with COMPLETE status to compare results with."]
    url = job_url(job.url_prefix, reference.display_id)
    lines += ["", f"Comparing to latest complete job: {escape(url)}"]
    comparison = compare_results(suites, compare.reference_suites, blacklist)
    return lines + _differences(job, reference, comparison)


def _listing(heading: str, urls: Sequence[str]) -> list[str]:
    return ["", heading, *(escape(url) for url in urls)] if urls else ["", heading, "None."]


def _counts_text(counts: Counts) -> str:
    return f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped test cases."


def _differences(job: JobFacts, reference: ListedJob, comparison: Comparison) -> list[str]:
    prefix = job.url_prefix
    lines = _listing(
        "New test suites added:",
        [suite_url(prefix, job.display_id, name) for name in comparison.suites_added],
    )
    lines += _listing(
        "Test suites removed:",
        [suite_url(prefix, reference.display_id, name) for name in comparison.suites_removed],
    )
    lines += ["", "Suite result count changes:"]
    for change in comparison.count_changes:
        suite = escape(change.suite)
        lines += [
            f'Suite "{suite}" has {_counts_text(change.current)}',
            f'Previously "{suite}" had {_counts_text(change.previous)}',
        ]
    if not comparison.count_changes:
        lines.append("No result count changes.")
    lines += _listing(
        "New test cases added:", [case_url(prefix, case.id) for case in comparison.cases_added]
    )
    lines += _listing(
        "Test cases removed:", [case_url(prefix, case.id) for case in comparison.cases_removed]
    )
    lines += ["", "Test cases result change:"]
    lines += [
        f'In suite "{escape(change.suite)}", test case "{escape(change.case)}" changed result '
        f'from "{change.previous.display}" to "{change.current.display}".'
        for change in comparison.result_changes
    ]
    if not comparison.result_changes:
        lines.append("No test cases changed result.")
    return lines
