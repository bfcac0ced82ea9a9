"""Users, groups, authentication by token, and token management."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, union

from gql_server.db.models import (
    AuthToken,
    Group,
    GroupPermission,
    Permission,
    User,
    UserGroup,
    UserPermission,
)
from gql_server.db.types import utcnow
from gql_server.lab import secrets
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import BadInput, NotFound, PermissionDenied, Unauthenticated

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclasses.dataclass(frozen=True)
class NewToken:
    """A token just created: its row, and the secret, shown this once."""

    token: AuthToken
    secret: str


async def load_viewer(ctx: RequestContext, user: User) -> Viewer:
    """The viewer for a user: its groups and global permissions."""
    async with ctx.db() as session:
        group_ids = frozenset(
            await session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id))
        )
        granted = union(
            select(UserPermission.permission_id).where(UserPermission.user_id == user.id),
            select(GroupPermission.permission_id).where(
                GroupPermission.group_id.in_(sorted(group_ids) or [-1])
            ),
        ).subquery()
        codenames = frozenset(
            await session.scalars(
                select(Permission.codename).where(Permission.id.in_(select(granted)))
            )
        )
    return Viewer(
        user_id=user.id,
        username=user.username,
        is_superuser=user.is_superuser,
        is_staff=user.is_staff,
        group_ids=group_ids,
        permissions=codenames,
    )


async def authenticate(ctx: RequestContext, secret: str, username: str | None = None) -> Viewer:
    """The viewer a token secret belongs to; raises Unauthenticated for a bad token.

    When ``username`` is given (basic authentication), it must name the token's owner.
    """
    wanted = secrets.digest(secret)
    async with ctx.db() as session:
        row = (
            await session.execute(
                select(AuthToken, User)
                .join(User, User.id == AuthToken.user_id)
                .where(AuthToken.secret == wanted)
            )
        ).first()
        if row is None or not secrets.matches(secret, row.AuthToken.secret):
            raise Unauthenticated("invalid token")
        token, user = row
        if not user.is_active or (username is not None and username != user.username):
            raise Unauthenticated("invalid token")
        now = utcnow()
        if token.last_used_on is None or now - token.last_used_on > LAST_USED_RESOLUTION:
            token.last_used_on = now
            await session.commit()
    return await load_viewer(ctx, user)


def _require_user(ctx: RequestContext) -> int:
    if not ctx.viewer.is_authenticated:
        raise Unauthenticated("authentication required")
    return ctx.viewer.user_id


def _require_superuser(ctx: RequestContext) -> None:
    if not ctx.viewer.is_superuser:
        raise PermissionDenied("only a superuser may do this")


async def users_by_id(ctx: RequestContext, ids: Sequence[int]) -> dict[int, User]:
    """Users by id (a data-loader batch). Usernames are public in LAVA's APIs."""
    async with ctx.db() as session:
        return {
            user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))
        }


def visible_email(ctx: RequestContext, user: User) -> str | None:
    """A user's e-mail address, shown only to that user and to superusers."""
    viewer = ctx.viewer
    return user.email if viewer.is_superuser or viewer.user_id == user.id else None


async def get_user(ctx: RequestContext, username: str) -> User | None:
    """The user with this name, or None."""
    async with ctx.db() as session:
        return (await session.scalars(select(User).where(User.username == username))).first()


async def groups_of_user(ctx: RequestContext, user_id: int) -> list[Group]:
    """The groups a user belongs to: visible to that user and to superusers."""
    if not (ctx.viewer.is_superuser or ctx.viewer.user_id == user_id):
        return []
    statement = (
        select(Group)
        .join(UserGroup, UserGroup.group_id == Group.id)
        .where(UserGroup.user_id == user_id)
        .order_by(Group.name)
    )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def ensure_user(
    ctx: RequestContext,
    username: str,
    *,
    superuser: bool | None = None,
    staff: bool | None = None,
    email: str | None = None,
) -> User:
    """Create a user, or update the given attributes of an existing one (superusers only)."""
    _require_superuser(ctx)
    if not username or len(username) > 150:
        raise BadInput("a username has 1 to 150 characters")
    async with ctx.db() as session:
        user = (await session.scalars(select(User).where(User.username == username))).first()
        if user is None:
            user = User(username=username, password="!", date_joined=utcnow())
            session.add(user)
        if superuser is not None:
            user.is_superuser = superuser
        if staff is not None:
            user.is_staff = staff
        if email is not None:
            user.email = email
        await ctx.commit(session)
        return user


async def ensure_group(ctx: RequestContext, name: str, members: Sequence[str] = ()) -> Group:
    """Create a group if needed and add the named users to it (superusers only)."""
    _require_superuser(ctx)
    if not name or len(name) > 150:
        raise BadInput("a group name has 1 to 150 characters")
    async with ctx.db() as session:
        group = (await session.scalars(select(Group).where(Group.name == name))).first()
        if group is None:
            group = Group(name=name)
            session.add(group)
            await session.flush()
        for username in members:
            user = (await session.scalars(select(User).where(User.username == username))).first()
            if user is None:
                raise NotFound(f"no user named {username!r}")
            exists = await session.scalar(
                select(UserGroup.id).where(
                    UserGroup.user_id == user.id, UserGroup.group_id == group.id
                )
            )
            if exists is None:
                session.add(UserGroup(user_id=user.id, group_id=group.id))
        await ctx.commit(session)
        return group


async def list_users(ctx: RequestContext) -> list[User]:
    """Every user, by name (superusers only)."""
    _require_superuser(ctx)
    async with ctx.db() as session:
        return list(await session.scalars(select(User).order_by(User.username)))


async def list_groups(ctx: RequestContext) -> list[Group]:
    """Every group, by name (superusers only)."""
    _require_superuser(ctx)
    async with ctx.db() as session:
        return list(await session.scalars(select(Group).order_by(Group.name)))


async def create_token(
    ctx: RequestContext, description: str = "", username: str | None = None
) -> NewToken:
    """Make a token for the viewer, or for ``username`` (superusers only)."""
    if username is None or username == ctx.viewer.username:
        user_id = _require_user(ctx)
    else:
        _require_superuser(ctx)
        user = await get_user(ctx, username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        user_id = user.id
    secret = secrets.new_secret()
    token = AuthToken(
        secret=secrets.digest(secret), description=description, user_id=user_id, created_on=utcnow()
    )
    async with ctx.db() as session:
        session.add(token)
        await ctx.commit(session)
    return NewToken(token=token, secret=secret)


async def list_tokens(ctx: RequestContext, username: str | None = None) -> list[AuthToken]:
    """The viewer's tokens, or ``username``'s, or everyone's (the last two: superusers only)."""
    statement = select(AuthToken).order_by(AuthToken.id)
    if username is not None and username != ctx.viewer.username:
        _require_superuser(ctx)
    if username is None and not ctx.viewer.is_superuser:
        username = ctx.viewer.username
        _require_user(ctx)
    if username is not None:
        statement = statement.join(User, User.id == AuthToken.user_id).where(
            User.username == username
        )
    async with ctx.db() as session:
        return list(await session.scalars(statement))


async def delete_token(ctx: RequestContext, token_id: int) -> AuthToken:
    """Revoke one of the viewer's tokens (superusers: anyone's)."""
    if not ctx.viewer.is_superuser:
        _require_user(ctx)
    async with ctx.db() as session:
        token = await session.get(AuthToken, token_id)
        if token is None or not (ctx.viewer.is_superuser or token.user_id == ctx.viewer.user_id):
            raise NotFound(f"no token with id {token_id}")
        await session.execute(delete(AuthToken).where(AuthToken.id == token_id))
        await ctx.commit(session)
        return token
