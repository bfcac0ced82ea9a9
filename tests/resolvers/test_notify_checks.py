"""A job's notify block naming unknown users, bad addresses or bad queries is refused on
every door with LAVA's text, and nothing is stored; a good block is accepted.

Doors are listed in ``DOORS``; a door is a function (lab, definition) -> the refusal text,
or None when the job was accepted.
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
import yaml

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.rest import rest_call
from tests.support.xmlrpc import execute, proxy_as

SUBMITTER = "vis-member"
PREFIX = "Problem with submitted job data: "
SUBMIT = "mutation ($d: String!) { submitJob(definition: $d) { id } }"


def graphql_submit(lab, definition: str) -> str | None:
    body = lab.client.post(SUBMIT, {"d": definition}, token=lab.tokens[SUBMITTER]).json()
    if "errors" not in body:
        assert body["data"]["submitJob"][0]["id"] > 0
        return None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return error["message"]


def rest_submit(lab, definition: str) -> str | None:
    response = rest_call(lab, "POST", "jobs/", SUBMITTER, json={"definition": definition})
    if response.status_code == 201:
        return None
    assert response.status_code == 400, response.text
    assert list(response.json()) == ["message"]
    return response.json()["message"]


def xmlrpc_submit(lab, definition: str) -> str | None:
    try:
        assert proxy_as(lab, SUBMITTER).scheduler.submit_job(definition) > 0
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == 400
        return fault.faultString
    return None


DOORS = {"graphql": graphql_submit, "rest": rest_submit, "xmlrpc": xmlrpc_submit}


@pytest.fixture
def device_type(lab) -> str:
    return usable_device_type(lab.sync_url)


def with_notify(device_type: str, notify: dict[str, Any]) -> str:
    job = SINGLE.format(device_type=device_type, visibility="public")
    return job + yaml.safe_dump({"notify": notify})


def job_count(lab) -> int:
    return execute(lab, "SELECT count(*) FROM lava_scheduler_app_testjob")[0][0]


def email_to(**to: str) -> dict[str, Any]:
    return {"to": {"method": "email", **to}}


CRITERIA = {"status": "finished"}
TESTJOB_QUERY = {"entity": "testjob", "conditions": {"state__exact": "Finished"}}

REFUSALS = {
    "unknown user": (
        {"criteria": CRITERIA, "recipients": [email_to(user="nobody-at-all")]},
        "'nobody-at-all' is not an existing user in LAVA.",
    ),
    "unknown irc user": (
        {"criteria": CRITERIA, "recipients": [{"to": {"method": "irc", "user": "ghost"}}]},
        "'ghost' is not an existing user in LAVA.",
    ),
    "address with a space": (
        {"criteria": CRITERIA, "recipients": [email_to(email="an owner@example.com")]},
        "'an owner@example.com' is not a valid email address.",
    ),
    "address without a domain dot": (
        {"criteria": CRITERIA, "recipients": [email_to(email="owner@localhost")]},
        "'owner@localhost' is not a valid email address.",
    ),
    "recipients in order, before compare": (
        {
            "criteria": CRITERIA,
            "recipients": [
                email_to(user="vis-owner"),
                email_to(email="two@@example.com"),
                email_to(user="ghost"),
            ],
            "compare": {"query": {"entity": "testsuite"}},
        },
        "'two@@example.com' is not a valid email address.",
    ),
    "saved query": (
        {"criteria": CRITERIA, "compare": {"query": {"username": "vis-owner", "name": "nightly"}}},
        "Query ~vis-owner/nightly does not exist",
    ),
    "query on suites": (
        {"criteria": CRITERIA, "compare": {"query": {"entity": "testsuite"}}},
        "Only TestJob queries allowed.",
    ),
    "malformed conditions": (
        {
            "criteria": CRITERIA,
            "compare": {"query": {**TESTJOB_QUERY, "conditions": {"state__exact__x": "y__z"}}},
        },
        "Conditions URL incorrect. Please refer to query docs.",
    ),
    "unknown lookup": (
        {
            "criteria": CRITERIA,
            "compare": {"query": {**TESTJOB_QUERY, "conditions": {"state__is": 1}}},
        },
        "Conditions URL incorrect. Please refer to query docs.",
    ),
    "unknown field": (
        {
            "criteria": CRITERIA,
            "compare": {"query": {**TESTJOB_QUERY, "conditions": {"colour": 1}}},
        },
        "Conditions URL incorrect: Field does not exist. Please refer to query docs.",
    ),
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", REFUSALS)
def test_bad_notify_blocks_are_refused_and_store_nothing(lab, device_type, door, case):
    notify, text = REFUSALS[case]
    before = job_count(lab)
    assert DOORS[door](lab, with_notify(device_type, notify)) == PREFIX + text
    assert job_count(lab) == before


GOOD = {
    "criteria": {"status": "complete", "dependency_query": "not checked before it runs"},
    "verbosity": "verbose",
    "recipients": [
        email_to(user="vis-owner"),
        email_to(email="lab-team@example.org"),
        # The address is not checked when a user is named, as in LAVA.
        email_to(user="vis-secret", email="not an address"),
        {"to": {"method": "irc", "user": "{LAVA_DEVICE_OWNER}"}},
    ],
    "compare": {
        "query": {
            "entity": "testjob",
            "conditions": {"state__exact": "Finished", "description": "smoke"},
        },
        "blacklist": ["lava"],
    },
}


@pytest.mark.parametrize("door", DOORS)
def test_a_good_notify_block_is_accepted(lab, device_type, door):
    before = job_count(lab)
    assert DOORS[door](lab, with_notify(device_type, GOOD)) is None
    assert job_count(lab) == before + 1


def test_changing_a_definition_checks_its_notify_block(lab, device_type):
    """REST ``PUT jobs/<id>/`` refuses the new definition and keeps the old one."""
    accepted = rest_call(
        lab, "POST", "jobs/", "vis-admin", json={"definition": with_notify(device_type, GOOD)}
    )
    [job_id] = accepted.json()["job_ids"]
    bad = {"criteria": CRITERIA, "recipients": [email_to(user="ghost")]}
    response = rest_call(
        lab,
        "PUT",
        f"jobs/{job_id}/",
        "vis-admin",
        json={"definition": with_notify(device_type, bad)},
    )
    assert response.status_code == 400
    assert response.json() == {"definition": [PREFIX + "'ghost' is not an existing user in LAVA."]}
    stored = execute(
        lab, "SELECT original_definition FROM lava_scheduler_app_testjob WHERE id = :i", i=job_id
    )
    assert stored[0][0] == with_notify(device_type, GOOD)
