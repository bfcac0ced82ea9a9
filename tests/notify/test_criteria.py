"""The notify criteria: status, dependency_query, regression/progression, and what is served."""

from __future__ import annotations

import datetime as dt

import pytest

from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.criteria import (
    CallbackSpec,
    RecipientSpec,
    callbacks_of,
    dependencies_met,
    previous_health,
    recipients_of,
    should_notify,
    state_at,
    status_matches,
)
from gql_server.notify.facts import ListedJob

S, H = JobState, JobHealth
RUNNING = (S.RUNNING, H.UNKNOWN)
COMPLETE = (S.FINISHED, H.COMPLETE)
INCOMPLETE = (S.FINISHED, H.INCOMPLETE)
CANCELED = (S.FINISHED, H.CANCELED)
QUEUED = [(state, H.UNKNOWN) for state in (S.SUBMITTED, S.SCHEDULING, S.SCHEDULED)]
CANCELING = (S.CANCELING, H.UNKNOWN)

# status -> the (state, health) moments it fires on; every other moment must not fire.
FIRES = {
    "all": {RUNNING, COMPLETE, INCOMPLETE, CANCELED},
    "running": {RUNNING},
    "finished": {COMPLETE, INCOMPLETE, CANCELED},
    "complete": {COMPLETE},
    "incomplete": {INCOMPLETE},
    "canceled": {CANCELED},
}
MOMENTS = [RUNNING, COMPLETE, INCOMPLETE, CANCELED, CANCELING, *QUEUED]


@pytest.mark.parametrize("status", sorted(FIRES))
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: f"{m[0].display}-{m[1].display}")
def test_status_fires_exactly_on_its_moments(status, moment):
    assert status_matches(status, *moment) is (moment in FIRES[status])
    assert should_notify({"criteria": {"status": status}}, *moment) is (moment in FIRES[status])


@pytest.mark.parametrize(
    ("status", "dependencies", "met"),
    [
        ("finished", [COMPLETE, CANCELED], True),
        ("finished", [COMPLETE, RUNNING], False),
        ("running", [RUNNING, RUNNING], True),
        ("running", [RUNNING, COMPLETE], False),
        ("complete", [COMPLETE, COMPLETE], True),
        ("complete", [COMPLETE, INCOMPLETE], False),
        ("incomplete", [INCOMPLETE], True),
        ("canceled", [CANCELED, INCOMPLETE], False),
        ("all", [RUNNING, *QUEUED], True),
        ("finished", [], True),
    ],
)
def test_dependency_query_requires_every_matching_job_to_satisfy_the_status(
    status, dependencies, met
):
    assert dependencies_met(status, dependencies) is met
    block = {"criteria": {"status": status, "dependency_query": "description__exact__x"}}
    moment = RUNNING if status == "running" else COMPLETE
    if status in ("incomplete", "canceled"):
        moment = INCOMPLETE if status == "incomplete" else CANCELED
    assert should_notify(block, *moment, dependencies=dependencies) is met


def test_dependencies_are_ignored_without_a_dependency_query():
    assert should_notify({"criteria": {"status": "finished"}}, *COMPLETE, dependencies=[RUNNING])


@pytest.mark.parametrize(
    ("status", "kind", "moment", "previous", "fires"),
    [
        ("incomplete", "regression", INCOMPLETE, H.COMPLETE, True),
        ("incomplete", "regression", INCOMPLETE, H.INCOMPLETE, False),
        ("incomplete", "regression", INCOMPLETE, None, False),
        ("complete", "regression", COMPLETE, H.COMPLETE, False),
        ("complete", "progression", COMPLETE, H.INCOMPLETE, True),
        ("complete", "progression", COMPLETE, H.COMPLETE, False),
        ("complete", "progression", COMPLETE, None, False),
        ("incomplete", "progression", INCOMPLETE, H.INCOMPLETE, False),
        # Tolerated by the submission schema: type with a broader status.
        ("finished", "regression", INCOMPLETE, H.COMPLETE, True),
        ("finished", "regression", CANCELED, H.COMPLETE, False),
        ("all", "progression", RUNNING, H.INCOMPLETE, False),
    ],
)
def test_regression_and_progression_compare_with_the_previous_job(
    status, kind, moment, previous, fires
):
    block = {"criteria": {"status": status, "type": kind}}
    assert should_notify(block, *moment, previous=previous) is fires


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], None),
        ([ListedJob(7, *COMPLETE)], H.COMPLETE),
        ([ListedJob(7, *COMPLETE), ListedJob(9, *INCOMPLETE)], H.INCOMPLETE),
        # Newest earlier job wins whatever the order given.
        ([ListedJob(9, *INCOMPLETE), ListedJob(7, *COMPLETE)], H.INCOMPLETE),
        # The job itself, later jobs, unfinished and canceled jobs are passed over.
        ([ListedJob(7, *COMPLETE), ListedJob(10, *INCOMPLETE)], H.COMPLETE),
        ([ListedJob(7, *COMPLETE), ListedJob(11, *INCOMPLETE)], H.COMPLETE),
        ([ListedJob(7, *COMPLETE), ListedJob(9, *RUNNING)], H.COMPLETE),
        ([ListedJob(7, *COMPLETE), ListedJob(9, *CANCELED)], H.COMPLETE),
        ([ListedJob(9, *CANCELED)], None),
    ],
)
def test_previous_health_is_the_newest_earlier_complete_or_incomplete_job(candidates, expected):
    assert previous_health(candidates, 10) is expected


def test_dependency_query_is_tested_before_the_status():
    block = {"criteria": {"status": "complete", "dependency_query": "x__y"}}
    assert not should_notify(block, *COMPLETE, dependencies=[RUNNING])


def test_callbacks_get_lava_defaults_and_keep_their_order():
    block = {
        "criteria": {"status": "finished"},
        "callbacks": [
            {"url": "http://a/{ID}"},
            {
                "url": "http://b",
                "method": "POST",
                "token": "ci-callback",
                "header": "X-Token",
                "dataset": "all",
                "content-type": "json",
            },
        ],
    }
    assert callbacks_of(block) == (
        CallbackSpec(url="http://a/{ID}"),
        CallbackSpec("http://b", "POST", "ci-callback", "X-Token", "all", "json"),
    )
    legacy = {"criteria": {"status": "all"}, "callback": {"url": "http://c"}}
    assert callbacks_of(legacy) == (CallbackSpec(url="http://c"),)
    assert callbacks_of({"criteria": {"status": "all"}}) == ()


@pytest.mark.parametrize(
    ("block", "owner", "expected"),
    [
        # No recipients and no callbacks: the submitter by email.
        ({}, None, (RecipientSpec("email", user="alice"),)),
        # Callbacks only: nobody.
        ({"callbacks": [{"url": "http://x"}]}, None, ()),
        ({"callback": {"url": "http://x"}}, None, ()),
        # Explicit recipients, in order; duplicate user+method dropped.
        (
            {
                "recipients": [
                    {"to": {"method": "email", "user": "bob"}},
                    {"to": {"method": "irc", "user": "bob", "server": "irc.example"}},
                    {"to": {"method": "email", "user": "bob", "email": "b@x.org"}},
                    {"to": {"method": "email", "email": "ann@x.org"}},
                    {"to": {"method": "email", "email": "ann@x.org"}},
                    {"to": {"method": "irc", "handle": "#lab"}},
                ]
            },
            None,
            (
                RecipientSpec("email", user="bob"),
                RecipientSpec("irc", user="bob", server="irc.example"),
                RecipientSpec("email", email="ann@x.org"),
                RecipientSpec("email", email="ann@x.org"),
                RecipientSpec("irc", handle="#lab"),
            ),
        ),
        # The device owner placeholder: resolved, or skipped without an owner.
        (
            {"recipients": [{"to": {"method": "email", "user": "{LAVA_DEVICE_OWNER}"}}]},
            "olga",
            (RecipientSpec("email", user="olga"),),
        ),
        ({"recipients": [{"to": {"method": "irc", "user": "{LAVA_DEVICE_OWNER}"}}]}, None, ()),
    ],
)
def test_recipients_as_lava_creates_them(block, owner, expected):
    block = {"criteria": {"status": "finished"}, **block}
    assert recipients_of(block, "alice", owner) == expected


T = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
EARLIER, LATER = T - dt.timedelta(seconds=1), T + dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "start", "end", "expected"),
    [
        (COMPLETE, EARLIER, EARLIER, COMPLETE),  # had ended
        (COMPLETE, EARLIER, T, COMPLETE),  # ended at that very moment
        (COMPLETE, EARLIER, LATER, RUNNING),  # still running then
        (INCOMPLETE, LATER, LATER, (S.SUBMITTED, H.UNKNOWN)),  # not started then
        (RUNNING, EARLIER, None, RUNNING),
        ((S.SCHEDULED, H.UNKNOWN), None, None, (S.SUBMITTED, H.UNKNOWN)),
        (CANCELED, None, EARLIER, CANCELED),  # canceled while queued
        (COMPLETE, None, None, COMPLETE),  # finished without times: taken as it is
    ],
)
def test_state_at_a_moment_is_read_from_the_jobs_times(now, start, end, expected):
    assert state_at(T, *now, start, end) == expected
