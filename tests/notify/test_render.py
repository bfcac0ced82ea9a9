"""Shared notification formatting, and the IRC message (notifications.md §8)."""

from __future__ import annotations

import datetime as dt

import pytest

from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.irc_text import irc_message
from gql_server.notify.render import (
    escape,
    format_duration,
    format_time,
    legacy_status,
    priority_label,
)
from tests.support.notify_facts import job

S, H = JobState, JobHealth
T0 = dt.datetime(2023, 1, 10, 12, 30, 0, 100, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a & b <c> \"d\" 'e'", "a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39;"),
        ("плата ✓", "плата ✓"),
        (None, "None"),
        (7, "7"),
    ],
)
def test_escape_writes_the_entities_lava_autoescaping_writes(value, text):
    assert escape(value) == text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T0, "2023-01-10 12:30:00 (+0000 UTC)"),
        (T0.astimezone(dt.timezone(dt.timedelta(hours=2))), "2023-01-10 12:30:00 (+0000 UTC)"),
        (dt.datetime(2023, 1, 10, 12, 30), "2023-01-10 12:30:00 (+0000 UTC)"),
        (None, ""),
    ],
)
def test_times_are_shown_in_utc(moment, text):
    assert format_time(moment) == text


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (T0, T0 + dt.timedelta(minutes=5, seconds=7, microseconds=900), "0:05:07"),
        (T0, T0 + dt.timedelta(hours=26), "1 day, 2:00:00"),
        (T0, None, "None"),
        (None, T0, "None"),
    ],
)
def test_duration(start, end, text):
    assert format_duration(start, end) == text


@pytest.mark.parametrize(
    ("priority", "label"), [(0, "Low"), (50, "Medium"), (100, "High"), (73, "73")]
)
def test_priority_label(priority, label):
    assert priority_label(priority) == label


@pytest.mark.parametrize(
    ("state", "health", "status"),
    [
        (S.SUBMITTED, H.UNKNOWN, (0, "submitted")),
        (S.SCHEDULING, H.UNKNOWN, (0, "submitted")),
        (S.SCHEDULED, H.UNKNOWN, (0, "submitted")),
        (S.RUNNING, H.UNKNOWN, (1, "running")),
        (S.FINISHED, H.COMPLETE, (2, "complete")),
        (S.FINISHED, H.INCOMPLETE, (3, "incomplete")),
        (S.FINISHED, H.UNKNOWN, (3, "incomplete")),
        (S.FINISHED, H.CANCELED, (4, "canceled")),
        (S.CANCELING, H.UNKNOWN, (5, "canceling")),
    ],
)
def test_legacy_status(state, health, status):
    assert legacy_status(state, health) == status


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        (
            job(),
            "The job with ID # 42 has finished with status Finished and health Complete on "
            "2023-01-10 13:35:07 (+0000 UTC). Job was submitted by alice. "
            "Job details and log file: http://lava.example.org/scheduler/job/42",
        ),
        # Running: still "has finished", and no end time.
        (
            job(state=S.RUNNING, health=H.UNKNOWN, end_time=None),
            "The job with ID # 42 has finished with status Running and health Unknown. "
            "Job was submitted by alice. "
            "Job details and log file: http://lava.example.org/scheduler/job/42",
        ),
        # Multinode sub-job, escaped and non-ASCII submitter.
        (
            job(sub_id="42.1", submitter="o'brien-ø", health=H.INCOMPLETE),
            "The job with ID # 42.1 has finished with status Finished and health Incomplete on "
            "2023-01-10 13:35:07 (+0000 UTC). Job was submitted by o&#39;brien-ø. "
            "Job details and log file: http://lava.example.org/scheduler/job/42.1",
        ),
    ],
)
def test_irc_message(facts, text):
    assert irc_message(facts) == text
