"""Authentication by token, and revoking and replacing a token over GraphQL."""

from __future__ import annotations

import base64

import sqlalchemy

from tests.conftest import make_token


def test_token_and_bearer_and_basic_authenticate(lab):
    secret = lab.tokens["vis-member"]
    basic = base64.b64encode(f"vis-member:{secret}".encode()).decode()
    for header in (f"Token {secret}", f"Bearer {secret}", f"Basic {basic}"):
        response = lab.client.http.post(
            "/graphql", json={"query": "{ viewer { username } }"}, headers={"Authorization": header}
        )
        assert response.json()["data"]["viewer"]["username"] == "vis-member"


def test_basic_auth_with_another_username_is_refused(lab):
    secret = lab.tokens["vis-member"]
    basic = base64.b64encode(f"vis-owner:{secret}".encode()).decode()
    response = lab.client.http.post(
        "/graphql",
        json={"query": "{ viewer { username } }"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 401


def test_tokens_are_stored_hashed(lab):
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                sqlalchemy.text("SELECT secret FROM linaro_django_xmlrpc_authtoken")
            ).scalars()
        )
    engine.dispose()
    assert stored and not stored & set(lab.tokens.values())
    assert all(len(value) == 64 for value in stored)


def test_revoke_a_compromised_token_and_make_a_new_one(lab):
    old = make_token(lab.database_url, "vis-outsider", "compromised")
    created = lab.client.execute(
        'mutation { createToken(description: "replacement") { secret token { id description } } }',
        token=old,
    )["createToken"]
    new = created["secret"]
    assert created["token"]["description"] == "replacement"
    mine = lab.client.execute("{ viewer { tokens { id description } } }", token=new)["viewer"][
        "tokens"
    ]
    old_id = next(t["id"] for t in mine if t["description"] == "compromised")
    deleted = lab.client.execute(
        "mutation ($id: Int!) { deleteToken(id: $id) { id } }", {"id": old_id}, token=new
    )
    assert deleted["deleteToken"]["id"] == old_id
    assert lab.client.post("{ viewer { username } }", token=old).status_code == 401
    assert (
        lab.client.execute("{ viewer { username } }", token=new)["viewer"]["username"]
        == "vis-outsider"
    )


def test_nobody_deletes_another_users_token(lab):
    victim = make_token(lab.database_url, "vis-owner")
    victim_id = lab.client.execute("{ viewer { tokens { id } } }", token=victim)["viewer"][
        "tokens"
    ][-1]["id"]
    errors = lab.client.errors(
        "mutation ($id: Int!) { deleteToken(id: $id) { id } }",
        {"id": victim_id},
        token=lab.tokens["vis-outsider"],
    )
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert (
        lab.client.execute("{ viewer { username } }", token=victim)["viewer"]["username"]
        == "vis-owner"
    )


def test_anonymous_cannot_make_tokens(lab):
    errors = lab.client.errors("mutation { createToken { secret } }")
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
