"""Remote artifact tokens: named secrets each user keeps for the artifact servers its jobs
download from. They must be sent as they are, so they are stored retrievable; each user
sees and manages only its own, and their values are never written to a log.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from gql_server.db.models import RemoteArtifactsAuth
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput, NotFound
from gql_server.resolvers.permissions import require_login

NAME_LENGTH = 100
TOKEN_LENGTH = 200
TOKEN_EXISTS = "Bad request: token already exists?"


def _not_found(name: str) -> NotFound:
    return NotFound(f"Token {name!r} was not found.")


def too_long(name: str, token: str) -> str | None:
    """What is wrong when a name or token does not fit its column, in the database's
    words; None when both fit."""
    for value, longest in ((name, NAME_LENGTH), (token, TOKEN_LENGTH)):
        if len(value) > longest:
            return f"value too long for type character varying({longest})"
    return None


async def list_artifact_tokens(ctx: RequestContext) -> list[RemoteArtifactsAuth]:
    """The viewer's tokens, by name."""
    owner = require_login(ctx)
    async with ctx.db() as session:
        statement = (
            select(RemoteArtifactsAuth)
            .where(RemoteArtifactsAuth.user_id == owner)
            .order_by(RemoteArtifactsAuth.name)
        )
        return list(await session.scalars(statement))


async def get_artifact_token(ctx: RequestContext, name: str) -> RemoteArtifactsAuth:
    """The viewer's token of that name."""
    owner = require_login(ctx)
    async with ctx.db() as session:
        found = await session.scalar(
            select(RemoteArtifactsAuth).where(
                RemoteArtifactsAuth.user_id == owner, RemoteArtifactsAuth.name == name
            )
        )
    if found is None:
        raise _not_found(name)
    return found


async def add_artifact_token(ctx: RequestContext, name: str, token: str) -> RemoteArtifactsAuth:
    """Keep a new named token for the viewer; the name must be new to the viewer."""
    owner = require_login(ctx)
    if not isinstance(name, str) or not isinstance(token, str):
        raise BadInput("Bad request: the name and the token must be strings")
    problem = too_long(name, token)
    if problem is not None:
        raise BadInput(problem)
    row = RemoteArtifactsAuth(user_id=owner, name=name, token=token)
    async with ctx.db() as session:
        taken = exists().where(
            RemoteArtifactsAuth.user_id == owner, RemoteArtifactsAuth.name == name
        )
        if await session.scalar(select(taken)):
            raise BadInput(TOKEN_EXISTS)
        session.add(row)
        try:
            await ctx.commit(session)
        except IntegrityError:  # the same name added at the same time; the error holds the value
            await session.rollback()
            raise BadInput(TOKEN_EXISTS) from None
    return row


async def delete_artifact_token(ctx: RequestContext, name: str) -> None:
    """Forget the viewer's token of that name."""
    owner = require_login(ctx)
    async with ctx.db() as session:
        deleted = await session.execute(
            delete(RemoteArtifactsAuth).where(
                RemoteArtifactsAuth.user_id == owner, RemoteArtifactsAuth.name == name
            )
        )
        if deleted.rowcount == 0:
            raise _not_found(name)
        await ctx.commit(session)


async def change_artifact_token(
    ctx: RequestContext, name: str, new_name: str | None, new_token: str | None
) -> RemoteArtifactsAuth:
    """Rename the viewer's token of that name and/or change its value (None keeps one);
    BadInput when the new name is another of the viewer's tokens."""
    owner = require_login(ctx)
    row = await get_artifact_token(ctx, name)
    problem = too_long(new_name or "", new_token or "")
    if problem is not None:
        raise BadInput(problem)
    async with ctx.db() as session:
        if new_name is not None and new_name != name:
            taken = exists().where(
                RemoteArtifactsAuth.user_id == owner, RemoteArtifactsAuth.name == new_name
            )
            if await session.scalar(select(taken)):
                raise BadInput(TOKEN_EXISTS)
            row.name = new_name
        if new_token is not None:
            row.token = new_token
        session.add(row)
        try:
            await ctx.commit(session)
        except IntegrityError:  # the same name taken at the same time
            await session.rollback()
            raise BadInput(TOKEN_EXISTS) from None
    return row
