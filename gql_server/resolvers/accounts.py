"""Accounts as LAVA master's REST API manages them: superusers list, create, change and
delete users and groups by id; anyone trades a username and password for a new API token.

Passwords are kept in Django's ``pbkdf2_sha256`` form (:mod:`gql_server.lab.passwords`),
never returned. Hashing is slow on purpose, so it runs off the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import Group, TestJob, User, UserGroup
from gql_server.db.types import utcnow
from gql_server.lab import passwords
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput, NotFound
from gql_server.resolvers.lookups import Field, Kind, counted_window
from gql_server.resolvers.permissions import require_superuser
from gql_server.resolvers.rows import existing
from gql_server.resolvers.users import NewToken, issue_token

_USER_ORDER_FIELDS = {
    "username": Field(User.username, Kind.TEXT, frozenset()),
    "date_joined": Field(User.date_joined, Kind.DATETIME, frozenset()),
    "last_login": Field(User.last_login, Kind.DATETIME, frozenset()),
}
_GROUP_ORDER_FIELDS = {"name": Field(Group.name, Kind.TEXT, frozenset())}
USER_ORDERING = frozenset(_USER_ORDER_FIELDS)
GROUP_ORDERING = frozenset(_GROUP_ORDER_FIELDS)
USER_FIELDS = ("first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")


class FieldError(BadInput):
    """A value refused for one field of a request: ``{field: [message]}`` on REST."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- tokens for a password ----------------------------------------------------------------


async def token_for_password(
    ctx: RequestContext, username: str, password: str, description: str
) -> NewToken | None:
    """A new API token for the active user with this username and password; None when they
    do not match (a missing user costs as much time as a wrong password)."""
    async with ctx.db() as session:
        user = await session.scalar(select(User).where(User.username == username))
    stored = user.password if user is not None else passwords.UNUSABLE
    matches = await asyncio.to_thread(passwords.check_password, password, stored)
    if user is None or not user.is_active or not matches:
        return None
    return await issue_token(ctx, user.id, description)


# --- users --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UserFilter:
    """master's ``users/`` filters: exact values, None for no condition."""

    username: str | None = None
    email: str | None = None
    is_active: bool | None = None
    is_staff: bool | None = None
    is_superuser: bool | None = None


def _user_clauses(spec: UserFilter) -> list[ColumnElement[bool]]:
    return [
        getattr(User, name) == value
        for name, value in dataclasses.asdict(spec).items()
        if value is not None
    ]


async def counted_users_window(
    ctx: RequestContext,
    spec: UserFilter,
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[User]]:
    """How many users match, and ``limit`` of them from ``offset`` (by username unless
    ``ordering`` says otherwise). Superusers only."""
    require_superuser(ctx)
    return await counted_window(
        ctx,
        select(User),
        _USER_ORDER_FIELDS,
        _user_clauses(spec),
        ordering,
        [User.username],
        offset,
        limit,
    )


async def group_names_of_users(
    ctx: RequestContext, user_ids: Sequence[int]
) -> dict[int, list[str]]:
    """Each user's group names, by name, in one statement. Superusers only."""
    require_superuser(ctx)
    names: dict[int, list[str]] = defaultdict(list)
    statement = (
        select(UserGroup.user_id, Group.name)
        .join(Group, Group.id == UserGroup.group_id)
        .where(UserGroup.user_id.in_(list(user_ids)))
        .order_by(Group.name)
    )
    async with ctx.db() as session:
        for user_id, name in await session.execute(statement):
            names[user_id].append(name)
    return {user_id: names[user_id] for user_id in user_ids}


async def user_by_id(ctx: RequestContext, user_id: int) -> User:
    """The user with this id (NotFound otherwise). Superusers only."""
    require_superuser(ctx)
    async with ctx.db() as session:
        return await existing(session, User, user_id, f"no user with id {user_id}")


async def _group_ids(session: AsyncSession, names: Sequence[str]) -> list[int]:
    found = dict(
        (await session.execute(select(Group.name, Group.id).where(Group.name.in_(list(names)))))
        .tuples()
        .all()
    )
    for name in names:
        if name not in found:
            raise FieldError("groups", f"Object with name={name} does not exist.")
    return [found[name] for name in dict.fromkeys(names)]


async def _username_taken(session: AsyncSession, username: str, other_than: int | None) -> bool:
    clause = User.username == username
    if other_than is not None:
        clause = clause & (User.id != other_than)
    return bool(await session.scalar(select(exists().where(clause))))


async def save_user(ctx: RequestContext, user_id: int | None, values: dict[str, Any]) -> User:
    """Create a user (``user_id`` None) or change one: ``values`` holds the fields given
    (``username``, ``password``, ``groups`` by name, and :data:`USER_FIELDS`); ``groups``
    replaces the membership; a new user without a password cannot log in with one.
    FieldError for a username already taken or an unknown group. Superusers only."""
    require_superuser(ctx)
    password = values.get("password")
    hashed = (
        None if password is None else await asyncio.to_thread(passwords.make_password, password)
    )
    async with ctx.db() as session:
        if user_id is None:
            user = User(
                username=values["username"], password=passwords.UNUSABLE, date_joined=utcnow()
            )
        else:
            user = await existing(session, User, user_id, f"no user with id {user_id}")
        username = values.get("username")
        if username is not None and await _username_taken(session, username, user_id):
            raise FieldError("username", "A user with that username already exists.")
        group_ids = None if "groups" not in values else await _group_ids(session, values["groups"])
        for name in ("username", *USER_FIELDS):
            if name in values:
                setattr(user, name, values[name])
        if hashed is not None:
            user.password = hashed
        session.add(user)
        await session.flush()
        if group_ids is not None:
            await session.execute(delete(UserGroup).where(UserGroup.user_id == user.id))
            session.add_all(UserGroup(user_id=user.id, group_id=group) for group in group_ids)
        await ctx.commit(session)
        await session.refresh(user)
    return user


async def delete_user_by_id(ctx: RequestContext, user_id: int) -> None:
    """Delete a user with its tokens and memberships. Superusers only. A user who submitted
    jobs is kept (their jobs would go with it): BadInput, deactivate it instead."""
    require_superuser(ctx)
    async with ctx.db() as session:
        user = await existing(session, User, user_id, f"no user with id {user_id}")
        if await session.scalar(select(exists().where(TestJob.submitter_id == user.id))):
            raise BadInput(f"User '{user.username}' has submitted jobs: deactivate it instead.")
        await session.execute(delete(User).where(User.id == user_id))
        await ctx.commit(session)


# --- groups -------------------------------------------------------------------------------


async def counted_groups_window(
    ctx: RequestContext,
    name: str | None,
    ordering: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[Group]]:
    """How many groups (named ``name``, when given) there are, and ``limit`` of them from
    ``offset``, by name. Superusers only."""
    require_superuser(ctx)
    clauses = [] if name is None else [Group.name == name]
    return await counted_window(
        ctx, select(Group), _GROUP_ORDER_FIELDS, clauses, ordering, [Group.name], offset, limit
    )


async def group_by_id(ctx: RequestContext, group_id: int) -> Group:
    """The group with this id (NotFound otherwise). Superusers only."""
    require_superuser(ctx)
    async with ctx.db() as session:
        return await existing(session, Group, group_id, f"no group with id {group_id}")


async def save_group(ctx: RequestContext, group_id: int | None, name: str) -> Group:
    """Create a group (``group_id`` None) or rename one; FieldError when the name is taken.
    Superusers only."""
    require_superuser(ctx)
    async with ctx.db() as session:
        taken = Group.name == name
        if group_id is not None:
            taken = taken & (Group.id != group_id)
        if await session.scalar(select(exists().where(taken))):
            raise FieldError("name", "group with this name already exists.")
        if group_id is None:
            group = Group(name=name)
            session.add(group)
        else:
            group = await existing(session, Group, group_id, f"no group with id {group_id}")
            group.name = name
        await ctx.commit(session)
        await session.refresh(group)
    return group


async def delete_group_by_id(ctx: RequestContext, group_id: int) -> None:
    """Delete a group with its memberships and permissions. Superusers only."""
    require_superuser(ctx)
    async with ctx.db() as session:
        deleted = await session.execute(delete(Group).where(Group.id == group_id))
        if deleted.rowcount == 0:
            raise NotFound(f"no group with id {group_id}")
        await ctx.commit(session)
