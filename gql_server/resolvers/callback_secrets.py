"""What the notifier needs from a user besides its e-mail address: the named secrets its
callbacks send (decisions.md §4) and its IRC profile (LAVA's ``ExtendedUser``).

Each user manages only its own. Secret values are stored as given, since they must be
sent, and are read only by :func:`resolve_callback_token`: no list shows them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import Insert, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.engine import dialect_insert
from gql_server.db.models import Base, CallbackSecret, ExtendedUser, RemoteArtifactsAuth
from gql_server.db.types import utcnow
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput, NotFound
from gql_server.resolvers.permissions import require_login

NAME_LENGTH = 100
SECRET_LENGTH = 1024
IRC_LENGTH = 40


@dataclasses.dataclass(frozen=True)
class SecretName:
    """A callback secret as its owner sees it listed: its name and when it was set."""

    name: str
    created: dt.datetime


@dataclasses.dataclass(frozen=True)
class IrcProfile:
    """The IRC handle and server notifications use for a recipient given only as a user."""

    handle: str | None = None
    server: str | None = None


def _has_control(value: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in value)


def _checked_text(what: str, value: Any, longest: int) -> str:
    """``value`` when it is a string of 1 to ``longest`` characters without control
    characters (a secret travels in an HTTP header); BadInput naming ``what`` otherwise."""
    if not isinstance(value, str) or not 1 <= len(value) <= longest or _has_control(value):
        raise BadInput(f"The {what} must be 1 to {longest} characters, without control characters.")
    return value


def _checked_irc(what: str, value: Any) -> str | None:
    """``value`` when it is None (clear) or an IRC word: 1 to ``IRC_LENGTH`` characters, no
    spaces or control characters; BadInput naming ``what`` otherwise."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= IRC_LENGTH
        or _has_control(value)
        or any(char.isspace() for char in value)
    ):
        raise BadInput(
            f"The IRC {what} must be 1 to {IRC_LENGTH} characters without spaces or "
            "control characters, or null to clear it."
        )
    return value


def _upsert(
    session: AsyncSession, model: type[Base], keys: list[str], values: dict[str, Any]
) -> Insert:
    """An INSERT of ``values`` into ``model`` that updates the row whose ``keys`` are taken."""
    insert = dialect_insert(session)
    changed = {name: value for name, value in values.items() if name not in keys}
    return insert(model).values(**values).on_conflict_do_update(index_elements=keys, set_=changed)


async def resolve_callback_token(session: AsyncSession, user_id: int, value: str) -> str:
    """The secret to send for a callback's ``token: value`` in a job submitted by
    ``user_id``: the user's callback secret named ``value``, else the user's remote artifact
    token named ``value`` (LAVA master 2026.06), else ``value`` itself."""
    secret = await session.scalar(
        select(CallbackSecret.secret).where(
            CallbackSecret.user_id == user_id, CallbackSecret.name == value
        )
    )
    if secret is not None:
        return secret
    token = await session.scalar(
        select(RemoteArtifactsAuth.token).where(
            RemoteArtifactsAuth.user_id == user_id, RemoteArtifactsAuth.name == value
        )
    )
    return value if token is None else token


async def list_callback_secrets(ctx: RequestContext) -> list[SecretName]:
    """The names of the viewer's callback secrets, by name, never their values."""
    owner = require_login(ctx)
    statement = (
        select(CallbackSecret.name, CallbackSecret.created)
        .where(CallbackSecret.user_id == owner)
        .order_by(CallbackSecret.name)
    )
    async with ctx.db() as session:
        return [SecretName(name, created) for name, created in await session.execute(statement)]


async def set_callback_secret(ctx: RequestContext, name: str, secret: str) -> SecretName:
    """Keep ``secret`` as the viewer's callback secret ``name``, replacing one of that name
    (its ``created`` then becomes now)."""
    owner = require_login(ctx)
    values = {
        "user_id": owner,
        "name": _checked_text("name", name, NAME_LENGTH),
        "secret": _checked_text("secret", secret, SECRET_LENGTH),
        "created": utcnow(),
    }
    async with ctx.db() as session:
        await session.execute(_upsert(session, CallbackSecret, ["user_id", "name"], values))
        await ctx.commit(session)
    return SecretName(name, values["created"])


async def delete_callback_secret(ctx: RequestContext, name: str) -> SecretName:
    """Forget the viewer's callback secret ``name`` and return what it was; NotFound when
    the viewer has none of that name."""
    owner = require_login(ctx)
    async with ctx.db() as session:
        deleted = (
            await session.execute(
                delete(CallbackSecret)
                .where(CallbackSecret.user_id == owner, CallbackSecret.name == name)
                .returning(CallbackSecret.name, CallbackSecret.created)
            )
        ).first()
        if deleted is None:
            raise NotFound(f"Callback secret {name!r} was not found.")
        await ctx.commit(session)
    return SecretName(deleted.name, deleted.created)


async def irc_profile(session: AsyncSession, user_id: int) -> tuple[str | None, str | None]:
    """The (handle, server) of ``user_id``'s IRC profile; (None, None) when unset."""
    found = (
        await session.execute(
            select(ExtendedUser.irc_handle, ExtendedUser.irc_server).where(
                ExtendedUser.user_id == user_id
            )
        )
    ).first()
    return (None, None) if found is None else (found.irc_handle, found.irc_server)


async def viewer_irc_profile(ctx: RequestContext) -> IrcProfile:
    """The viewer's IRC profile."""
    owner = require_login(ctx)
    async with ctx.db() as session:
        return IrcProfile(*await irc_profile(session, owner))


async def set_irc_profile(
    ctx: RequestContext, handle: str | None, server: str | None
) -> IrcProfile:
    """Set the viewer's IRC handle and server; None clears one."""
    owner = require_login(ctx)
    profile = IrcProfile(_checked_irc("handle", handle), _checked_irc("server", server))
    values = {"user_id": owner, "irc_handle": profile.handle, "irc_server": profile.server}
    async with ctx.db() as session:
        await session.execute(_upsert(session, ExtendedUser, ["user_id"], values))
        await ctx.commit(session)
    return profile
