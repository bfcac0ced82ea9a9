"""The GraphQL door over HTTP: body limits, credentials, and malformed requests."""

from __future__ import annotations

import pytest


def test_oversized_body_is_refused(lab):
    response = lab.client.http.post(
        "/graphql",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_not_json_is_a_client_error(lab):
    response = lab.client.http.post(
        "/graphql", content=b"not json", headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "header", ["Token nonsense", "Bearer nonsense", "Basic !!!", "Basic dXNlcg==", "Digest x"]
)
def test_bad_credentials_are_401(lab, header):
    response = lab.client.http.post(
        "/graphql", json={"query": "{ viewer { username } }"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
