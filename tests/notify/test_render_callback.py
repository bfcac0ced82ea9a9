"""The HTTP callback request: URL placeholders, headers, and the body per dataset (§6)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.callback_payload import callback_request, job_data, substitute_url
from gql_server.notify.criteria import CallbackSpec
from tests.support.notify_facts import job

S, H = JobState, JobHealth
LOG = "- {dt: 2023-01-10T12:30:00, lvl: info, msg: hello}\n"
RESULTS = {"0_smoke": "- name: boot\n  result: pass\n", "lava": "- name: job\n  result: pass\n"}
MINIMAL = {
    "id": 42,
    "status": 2,
    "status_string": "complete",
    "state": 5,
    "state_string": "Finished",
    "health": 1,
    "health_string": "Complete",
    "submit_time": "2023-01-10 12:00:00+00:00",
    "start_time": "2023-01-10 12:30:00.000100+00:00",
    "end_time": "2023-01-10 13:35:07+00:00",
    "submitter_username": "alice",
    "submitter_email": "alice@example.org",
    "failure_comment": None,
    "priority": 50,
    "description": "smoke test",
    "actual_device_id": "qemu01",
    "definition": "job_name: smoke test\n",
    "metadata": [{"build": "1234"}, {"branch": "main"}],
    "health_check": False,
}


@pytest.mark.parametrize(
    ("url", "facts", "expected"),
    [
        (
            "http://ci/{ID}/{STATUS}/{STATUS_STRING}",
            job(),
            "http://ci/42/2/complete",
        ),
        (
            "http://ci/?s={ STATE }&h={HEALTH}&p={PRIORITY}&u={SUBMITTER}",
            job(),
            "http://ci/?s=5&h=1&p=50&u=alice",
        ),
        ("http://ci/{SUB_ID}", job(sub_id="42.1"), "http://ci/42.1"),
        ("http://ci/{STATUS}", job(state=S.RUNNING, health=H.UNKNOWN), "http://ci/1"),
        ("http://ci/{STATUS_STRING}", job(health=H.CANCELED), "http://ci/canceled"),
        # Unknown names and lower-case braces stay as written.
        ("http://ci/{NOPE}/{id}", job(), "http://ci/{NOPE}/{id}"),
        # Text values are percent-encoded.
        ("http://ci/{DESCRIPTION}", job(description="a b/ü&c"), "http://ci/a%20b%2F%C3%BC%26c"),
        ("http://ci/{END_TIME}", job(end_time=None), "http://ci/None"),
    ],
)
def test_url_placeholders(url, facts, expected):
    assert substitute_url(url, facts) == expected


@pytest.mark.parametrize(
    ("dataset", "extra"),
    [
        ("minimal", {}),
        ("logs", {"log": LOG}),
        ("results", {"results": RESULTS}),
        ("all", {"log": LOG, "results": RESULTS}),
    ],
)
def test_job_data_per_dataset(dataset, extra):
    data = job_data(job(), dataset, log=LOG, results=RESULTS)
    assert data == {**MINIMAL, **extra}
    assert list(data) == [*MINIMAL, *extra]


def test_job_data_without_a_readable_log_or_an_end_time():
    data = job_data(job(end_time=None, device=None, failure_comment="boom"), "all", results={})
    assert "log" not in data
    assert data["results"] == {}
    assert data["end_time"] == "None"
    assert data["actual_device_id"] is None
    assert data["failure_comment"] == "boom"


def test_get_sends_the_secret_raw_in_the_default_header_and_no_body():
    request = callback_request(
        CallbackSpec("http://ci/{ID}", token="ci-callback"), job(), secret="s3cret"
    )
    assert (request.method, request.url, request.body) == ("GET", "http://ci/42", None)
    assert request.headers == (("Authorization", "s3cret"),)
    assert "s3cret" not in repr(request)


def test_get_without_token_sends_no_header_and_ignores_dataset():
    request = callback_request(CallbackSpec("http://ci/", dataset="all"), job())
    assert request == callback_request(CallbackSpec("http://ci/"), job())
    assert request.headers == ()


def test_the_url_substituted_at_the_first_firing_is_kept():
    request = callback_request(CallbackSpec("http://ci/{STATUS}"), job(), url="http://ci/1")
    assert request.url == "http://ci/1"


def test_post_json_with_a_custom_header():
    spec = CallbackSpec(
        "http://ci/", "POST", "ci", header="X-Ci-Token", dataset="all", content_type="json"
    )
    request = callback_request(spec, job(), secret="tok", log=LOG, results=RESULTS)
    assert request.method == "POST"
    assert request.headers == (("X-Ci-Token", "tok"), ("Content-Type", "application/json"))
    payload = json.loads(request.body)
    assert payload == {**MINIMAL, "log": LOG, "results": RESULTS}
    assert "token" not in payload


def test_post_form_encoded_flattens_as_lava_does():
    spec = CallbackSpec("http://ci/", "POST", dataset="results")
    facts = job(description="ünï & co", health_check=True)
    request = callback_request(spec, facts, results=RESULTS)
    assert request.headers == (("Content-Type", "application/x-www-form-urlencoded"),)
    assert parse_qsl(request.body.decode(), keep_blank_values=True) == [
        ("id", "42"),
        ("status", "2"),
        ("status_string", "complete"),
        ("state", "5"),
        ("state_string", "Finished"),
        ("health", "1"),
        ("health_string", "Complete"),
        ("submit_time", "2023-01-10 12:00:00+00:00"),
        ("start_time", "2023-01-10 12:30:00.000100+00:00"),
        ("end_time", "2023-01-10 13:35:07+00:00"),
        ("submitter_username", "alice"),
        ("submitter_email", "alice@example.org"),
        # failure_comment is null: dropped.
        ("priority", "50"),
        ("description", "ünï & co"),
        ("actual_device_id", "qemu01"),
        ("definition", "job_name: smoke test\n"),
        ("metadata", "build"),
        ("metadata", "branch"),
        ("health_check", "True"),
        ("results", "0_smoke"),
        ("results", "lava"),
    ]
