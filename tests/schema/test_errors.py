"""Bad input gets a GraphQL error with a code; nothing crashes, nothing leaks."""

from __future__ import annotations

import pytest

CASES = [
    ("{ jobs { nodes { id } ", "GRAPHQL_PARSE_FAILED"),
    ("{ jobs { nodes { nope } } }", "GRAPHQL_VALIDATION_FAILED"),
    ('{ job(id: "x") { id } }', "GRAPHQL_VALIDATION_FAILED"),
    ("{ jobs(first: 1000) { nodes { id } } }", "BAD_USER_INPUT"),
]


@pytest.mark.parametrize(("query", "code"), CASES)
def test_error_codes(lab, query, code):
    errors = lab.client.errors(query)
    assert errors[0]["extensions"]["code"] == code
    assert "Traceback" not in str(errors)


def test_bad_variable_is_bad_user_input(lab):
    errors = lab.client.errors(
        "query ($s: [JobState!]) { jobs(filter: {states: $s}) { nodes { id } } }", {"s": ["SICK"]}
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_depth_is_bounded(lab):
    chain = ["jobs", "nodes", *["device", "deviceType", "devices", "currentJob"] * 4, "id"]
    query = "{ " + " { ".join(chain) + " }" * (len(chain) - 1) + " }"
    errors = lab.client.errors(query)
    assert "depth" in errors[0]["message"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_aliases_are_bounded(lab):
    query = "{ " + " ".join(f"a{i}: viewer {{ username }}" for i in range(40)) + " }"
    errors = lab.client.errors(query)
    assert "aliases" in errors[0]["message"].lower()


def test_server_log_has_no_token_and_no_traceback_for_client_errors(lab):
    lab.client.post('{ jobs(after: "zzz") { nodes { id } } }')
    lab.client.post("{ viewer { username } }", token=lab.tokens["vis-member"])
    log = lab.server.log_path.read_text()
    assert lab.tokens["vis-member"] not in log
    assert "Traceback" not in log
