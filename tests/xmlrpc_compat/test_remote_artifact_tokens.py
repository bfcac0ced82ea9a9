"""scheduler.remote_artifact_tokens.*: each user's named secrets for artifact servers."""

from __future__ import annotations

import sqlalchemy

from tests.support.xmlrpc import fault, new_user, xmlrpc_proxy

INTERNAL = "Internal Server Error (contact server administrator for details)"


def test_add_list_show_and_delete(lab, admin):
    _, owner = new_user(lab, admin, "xr-auth-tokens")
    tokens = owner.scheduler.remote_artifact_tokens
    assert tokens.list() == []
    assert tokens.add("zeta", "z-secret") is None
    assert tokens.add("alpha", "a-secret") is None
    assert tokens.add("empty", "") is None
    assert tokens.list() == [
        {"name": "alpha", "token": "a-secret"},
        {"name": "empty", "token": ""},
        {"name": "zeta", "token": "z-secret"},
    ]
    assert tokens.show("alpha") == "a-secret"
    assert tokens.delete("alpha") is None
    assert [item["name"] for item in tokens.list()] == ["empty", "zeta"]
    assert fault(tokens.show, "alpha") == (404, "Token 'alpha' was not found.")
    assert fault(tokens.delete, "alpha") == (404, "Token 'alpha' was not found.")


def test_each_user_reaches_only_its_own_tokens(lab, admin):
    _, first = new_user(lab, admin, "xr-auth-tokens")
    _, second = new_user(lab, admin, "xr-auth-tokens")
    first.scheduler.remote_artifact_tokens.add("shared-name", "first-secret")
    second.scheduler.remote_artifact_tokens.add("shared-name", "second-secret")
    assert first.scheduler.remote_artifact_tokens.show("shared-name") == "first-secret"
    assert second.scheduler.remote_artifact_tokens.show("shared-name") == "second-secret"
    first.scheduler.remote_artifact_tokens.add("first-only", "x")
    assert fault(admin.scheduler.remote_artifact_tokens.show, "first-only") == (
        404,
        "Token 'first-only' was not found.",
    )
    assert fault(second.scheduler.remote_artifact_tokens.delete, "first-only") == (
        404,
        "Token 'first-only' was not found.",
    )
    assert first.scheduler.remote_artifact_tokens.show("first-only") == "x"


def test_faults(lab, admin):
    _, owner = new_user(lab, admin, "xr-auth-tokens")
    tokens = owner.scheduler.remote_artifact_tokens
    tokens.add("name", "secret")
    assert fault(tokens.add, "name", "other") == (400, "Bad request: token already exists?")
    assert tokens.show("name") == "secret"
    assert fault(tokens.add, "n" * 101, "t") == (
        -32603,
        f"{INTERNAL}: value too long for type character varying(100)",
    )
    assert fault(tokens.add, "long", "t" * 201) == (
        -32603,
        f"{INTERNAL}: value too long for type character varying(200)",
    )
    tokens.add("n" * 100, "t" * 200)
    assert tokens.show("n" * 100) == "t" * 200
    assert fault(tokens.add, "typed", 7)[0] == 400
    assert fault(tokens.show, 5) == (404, "Token 5 was not found.")
    assert fault(tokens.show) == (
        -32603,
        f"{INTERNAL}: SchedulerRemoteArtifactTokensAPI.show() missing 1 required positional "
        "argument: 'name'",
    )
    assert "typed" not in [item["name"] for item in tokens.list()]


def test_anonymous_callers_must_authenticate(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url).scheduler.remote_artifact_tokens
    login = (401, "Authentication with user and token required for this API.")
    assert fault(anonymous.list) == login
    assert fault(anonymous.show, "name") == login
    assert fault(anonymous.add, "name", "secret") == login
    assert fault(anonymous.delete, "name") == login


def test_tokens_are_stored_for_their_owner_and_go_with_it(lab, admin):
    username, owner = new_user(lab, admin, "xr-auth-tokens")
    owner.scheduler.remote_artifact_tokens.add("kept", "kept-secret")
    user_id = admin.auth.users.show(username)["id"]
    engine = sqlalchemy.create_engine(lab.sync_url)
    statement = sqlalchemy.text(
        "SELECT name, token FROM lava_scheduler_app_remoteartifactsauth WHERE user_id = :owner"
    )
    try:
        with engine.connect() as connection:
            stored = connection.execute(statement, {"owner": user_id}).all()
        admin.auth.users.delete(username)
        with engine.connect() as connection:
            left = connection.execute(statement, {"owner": user_id}).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in stored] == [("kept", "kept-secret")]
    assert left == []
