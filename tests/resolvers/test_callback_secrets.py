"""What the notifier reads of a user: the secret a callback's ``token:`` names, and the
IRC profile. (Managing both over GraphQL: tests/schema/test_notification_settings.py.)"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import User
from gql_server.resolvers.artifact_tokens import add_artifact_token
from gql_server.resolvers.callback_secrets import (
    irc_profile,
    resolve_callback_token,
    set_callback_secret,
    set_irc_profile,
)
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import BadInput, Unauthenticated


@contextlib.asynccontextmanager
async def lab_sessions(url: str) -> AsyncIterator[async_sessionmaker]:
    """Sessions on a freshly migrated database."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def new_user(sessions: async_sessionmaker, username: str) -> RequestContext:
    """A context whose viewer is a new user called ``username``."""
    async with sessions() as session:
        user_id = await session.scalar(insert(User).values(username=username).returning(User.id))
        await session.commit()
    return RequestContext(sessions, Viewer(user_id=user_id, username=username))


async def resolved(sessions: async_sessionmaker, ctx: RequestContext, value: str) -> str:
    async with sessions() as session:
        return await resolve_callback_token(session, ctx.viewer.user_id, value)


def test_a_callback_token_is_a_secret_then_an_artifact_token_then_itself(empty_database):
    async def scenario() -> list[str]:
        async with lab_sessions(empty_database) as sessions:
            alice, bob = await new_user(sessions, "alice"), await new_user(sessions, "bob")
            await set_callback_secret(alice, "ci", "callback-secret")
            await add_artifact_token(alice, "ci", "artifact-token")
            await add_artifact_token(alice, "artifacts", "artifact-only")
            answers = [
                await resolved(sessions, alice, "ci"),  # both exist: the callback secret
                await resolved(sessions, alice, "artifacts"),  # only an artifact token
                await resolved(sessions, alice, "literal-value"),  # neither
                await resolved(sessions, bob, "ci"),  # alice's names mean nothing for bob
            ]
            await set_callback_secret(alice, "ci", "replaced")
            answers.append(await resolved(sessions, alice, "ci"))
            await alice.close()
            await bob.close()
            return answers

    assert asyncio.run(scenario()) == [
        "callback-secret",
        "artifact-only",
        "literal-value",
        "ci",
        "replaced",
    ]


def test_irc_profile_is_set_and_cleared(empty_database):
    async def scenario() -> list[tuple[str | None, str | None]]:
        async with lab_sessions(empty_database) as sessions:
            carol = await new_user(sessions, "carol")
            profiles = []
            for handle, server in (
                (None, None),
                ("carol-nick", "irc.example.org"),
                ("carol2", None),
            ):
                if handle is not None:
                    await set_irc_profile(carol, handle, server)
                async with sessions() as session:
                    profiles.append(await irc_profile(session, carol.viewer.user_id))
            await carol.close()
            return profiles

    assert asyncio.run(scenario()) == [
        (None, None),
        ("carol-nick", "irc.example.org"),
        ("carol2", None),
    ]


BAD_SETTINGS = [
    (lambda ctx: set_callback_secret(ctx, "", "s"), "name must be 1 to 100"),
    (lambda ctx: set_callback_secret(ctx, "n" * 101, "s"), "name must be 1 to 100"),
    (lambda ctx: set_callback_secret(ctx, "n", ""), "secret must be 1 to 1024"),
    (lambda ctx: set_callback_secret(ctx, "n", "s" * 1025), "secret must be 1 to 1024"),
    (lambda ctx: set_callback_secret(ctx, "n", "a\r\nX-Evil: 1"), "without control"),
    (lambda ctx: set_irc_profile(ctx, "two words", None), "IRC handle must be 1 to 40"),
    (lambda ctx: set_irc_profile(ctx, "nick", "s" * 41), "IRC server must be 1 to 40"),
    (lambda ctx: set_irc_profile(ctx, "", None), "IRC handle must be 1 to 40"),
    (lambda ctx: set_irc_profile(ctx, "nick\x07", None), "IRC handle must be 1 to 40"),
]


def test_bad_settings_are_refused(empty_database):
    async def scenario() -> list[str]:
        async with lab_sessions(empty_database) as sessions:
            dave = await new_user(sessions, "dave")
            messages = []
            for call, _ in BAD_SETTINGS:
                with pytest.raises(BadInput) as refused:
                    await call(dave)
                messages.append(refused.value.message)
            await dave.close()
            return messages

    messages = asyncio.run(scenario())
    for (_, expected), message in zip(BAD_SETTINGS, messages, strict=True):
        assert expected in message


def test_anonymous_has_no_settings(empty_database):
    async def scenario() -> None:
        async with lab_sessions(empty_database) as sessions:
            anonymous = RequestContext(sessions)
            with pytest.raises(Unauthenticated):
                await set_callback_secret(anonymous, "n", "s")
            with pytest.raises(Unauthenticated):
                await set_irc_profile(anonymous, "nick", None)

    asyncio.run(scenario())
