"""The viewer's notification settings over GraphQL: named callback secrets (listed by
name only) and the IRC profile."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.models import User
from gql_server.resolvers.callback_secrets import irc_profile, resolve_callback_token
from tests.conftest import make_token

SET_SECRET = """
mutation ($name: String!, $secret: String!) {
  setCallbackSecret(name: $name, secret: $secret) { name created }
}
"""
DELETE_SECRET = "mutation ($name: String!) { deleteCallbackSecret(name: $name) { name } }"
LIST_SECRETS = "{ viewer { callbackSecrets { name created } } }"
SET_IRC = """
mutation ($handle: String, $server: String) {
  setIrcProfile(handle: $handle, server: $server) { handle server }
}
"""
READ_IRC = "{ viewer { ircProfile { handle server } } }"


@pytest.fixture(scope="module")
def settings_user(lab) -> tuple[int, str]:
    """A user of its own (id, token), so that no other test sees its settings."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.begin() as connection:
        user_id = connection.execute(
            sqlalchemy.insert(User).values(username="notify-settings").returning(User.id)
        ).scalar_one()
    engine.dispose()
    return user_id, make_token(lab.database_url, "notify-settings")


def stored(lab, query) -> object:
    """What ``query(session)`` answers on the lab's database."""

    async def run() -> object:
        engine = create_engine(lab.database_url)
        try:
            async with session_factory(engine)() as session:
                return await query(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def secret_names(lab, token: str) -> list[str]:
    response = lab.client.post(LIST_SECRETS, token=token)
    assert "secret-value" not in response.text
    return [entry["name"] for entry in response.json()["data"]["viewer"]["callbackSecrets"]]


def test_set_replace_list_and_delete_callback_secrets(lab, settings_user):
    user_id, token = settings_user
    for name, secret in (("ci", "secret-value-1"), ("deploy", "secret-value-2")):
        made = lab.client.execute(SET_SECRET, {"name": name, "secret": secret}, token=token)
        assert made["setCallbackSecret"]["name"] == name
    assert secret_names(lab, token) == ["ci", "deploy"]
    assert stored(lab, lambda s: resolve_callback_token(s, user_id, "ci")) == "secret-value-1"

    lab.client.execute(SET_SECRET, {"name": "ci", "secret": "secret-value-3"}, token=token)
    assert secret_names(lab, token) == ["ci", "deploy"]
    assert stored(lab, lambda s: resolve_callback_token(s, user_id, "ci")) == "secret-value-3"

    deleted = lab.client.execute(DELETE_SECRET, {"name": "ci"}, token=token)
    assert deleted["deleteCallbackSecret"] == {"name": "ci"}
    assert secret_names(lab, token) == ["deploy"]
    assert stored(lab, lambda s: resolve_callback_token(s, user_id, "ci")) == "ci"

    errors = lab.client.errors(DELETE_SECRET, {"name": "ci"}, token=token)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


def test_another_user_neither_lists_nor_deletes_ones_secrets(lab, settings_user):
    _, token = settings_user
    lab.client.execute(SET_SECRET, {"name": "mine", "secret": "secret-value-4"}, token=token)
    outsider = lab.tokens["vis-outsider"]
    assert "mine" not in secret_names(lab, outsider)
    errors = lab.client.errors(DELETE_SECRET, {"name": "mine"}, token=outsider)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert "mine" in secret_names(lab, token)


def test_a_secret_value_is_not_in_the_schema(lab):
    fields = lab.client.execute('{ __type(name: "CallbackSecret") { fields { name } } }')
    assert {field["name"] for field in fields["__type"]["fields"]} == {"name", "created"}


@pytest.mark.parametrize(
    ("name", "secret", "expected"),
    [
        ("", "s", "The name must be 1 to 100 characters"),
        ("n" * 101, "s", "The name must be 1 to 100 characters"),
        ("n", "s" * 1025, "The secret must be 1 to 1024 characters"),
        ("n", "value\r\nX-Injected: 1", "The secret must be 1 to 1024 characters"),
    ],
)
def test_bad_callback_secrets_are_refused(lab, settings_user, name, secret, expected):
    _, token = settings_user
    errors = lab.client.errors(SET_SECRET, {"name": name, "secret": secret}, token=token)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"].startswith(expected)


def test_set_and_clear_the_irc_profile(lab, settings_user):
    user_id, token = settings_user
    set_both = {"handle": "settings-nick", "server": "irc.example.org"}
    assert lab.client.execute(SET_IRC, set_both, token=token)["setIrcProfile"] == set_both
    assert lab.client.execute(READ_IRC, token=token)["viewer"]["ircProfile"] == set_both
    assert stored(lab, lambda s: irc_profile(s, user_id)) == ("settings-nick", "irc.example.org")

    cleared = lab.client.execute(SET_IRC, {"handle": "settings-nick"}, token=token)
    assert cleared["setIrcProfile"] == {"handle": "settings-nick", "server": None}
    assert stored(lab, lambda s: irc_profile(s, user_id)) == ("settings-nick", None)

    errors = lab.client.errors(SET_IRC, {"handle": "two words"}, token=token)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert stored(lab, lambda s: irc_profile(s, user_id)) == ("settings-nick", None)


def test_anonymous_has_no_settings(lab):
    viewer = lab.client.execute("{ viewer { callbackSecrets { name } ircProfile { handle } } }")
    assert viewer["viewer"] == {"callbackSecrets": [], "ircProfile": None}
    for mutation, variables in (
        (SET_SECRET, {"name": "n", "secret": "s"}),
        (DELETE_SECRET, {"name": "n"}),
        (SET_IRC, {"handle": "nick"}),
    ):
        errors = lab.client.errors(mutation, variables)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
