"""Who a REST request is: LAVA's Token header, basic user:token, and 403 refusals."""

from __future__ import annotations

import base64

import httpx
import pytest

from gql_server.rest.auth import credentials
from gql_server.rest.errors import RestError
from tests.support.rest import rest_call

WHOAMI = "system/whoami/"


def whoami(lab, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization else {}
    return rest_call(lab, "GET", WHOAMI, headers=headers)


def test_token_header_any_case_and_basic_user_token(lab):
    token = lab.tokens["vis-member"]
    basic = base64.b64encode(f"vis-member:{token}".encode()).decode()
    for header in (f"Token {token}", f"token {token}", f"Basic {basic}"):
        response = whoami(lab, header)
        assert response.status_code == 200
        assert response.content == b'{"user":"vis-member"}'
    assert whoami(lab, None).json() == {"user": ""}


@pytest.mark.parametrize(
    "header",
    [
        "Token not-a-token",
        "Basic " + base64.b64encode(b"vis-owner:not-a-token").decode(),
        "Basic %%%",
    ],
)
def test_a_bad_token_is_refused_with_403_even_on_a_read(lab, header):
    for path in (WHOAMI, "jobs/"):
        response = rest_call(lab, "GET", path, headers={"Authorization": header})
        assert response.status_code == 403
        assert response.json() == {"detail": "Invalid token."}
        assert "www-authenticate" not in response.headers


def test_basic_credentials_must_name_the_tokens_owner(lab):
    wrong = base64.b64encode(f"vis-owner:{lab.tokens['vis-member']}".encode()).decode()
    assert whoami(lab, f"Basic {wrong}").status_code == 403


def test_malformed_token_headers_get_drf_texts():
    with pytest.raises(RestError) as bare:
        credentials("Token")
    assert bare.value.body == {"detail": "Invalid token header. No credentials provided."}
    with pytest.raises(RestError) as spaced:
        credentials("Token a b")
    assert spaced.value.body == {
        "detail": "Invalid token header. Token string should not contain spaces."
    }
    assert credentials("Digest abc") is None
