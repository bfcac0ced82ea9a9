"""The IRC notification: one line, as LAVA's ``testjob_irc_notification.txt`` writes it."""

from __future__ import annotations

from gql_server.notify.facts import JobFacts
from gql_server.notify.render import escape, format_time, job_url


def irc_message(job: JobFacts) -> str:
    """The one-line message (notifications.md §8), values HTML-escaped as LAVA writes them.

    LAVA says "has finished" even for a Running job, and adds `` on <end time>`` only when the
    job has one. Verbosity and compare play no part. Line breaks cannot occur: every value
    shown is an id, a state or health label, a username or a time.
    """
    ended = f" on {format_time(job.end_time)}" if job.end_time is not None else ""
    return (
        f"The job with ID # {escape(job.display_id)} has finished with status "
        f"{job.state.display} and health {job.health.display}{ended}. "
        f"Job was submitted by {escape(job.submitter)}. "
        f"Job details and log file: {escape(job_url(job.url_prefix, job.display_id))}"
    )
