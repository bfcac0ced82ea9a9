"""Users, groups, their global permissions, authentication by token, and token management.

Managing users and groups follows LAVA: each action needs a global Django permission
(``auth.add_user``, ``auth.view_group``...), which superusers hold implicitly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Select, delete, exists, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import (
    AuthToken,
    ContentType,
    Group,
    GroupPermission,
    Permission,
    TestJob,
    User,
    UserGroup,
    UserPermission,
)
from gql_server.db.types import utcnow
from gql_server.lab import secrets
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import BadInput, NotFound, PermissionDenied, Unauthenticated
from gql_server.resolvers.permissions import require_global, require_staff

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
USER_EXISTS = "Bad request: user already exists?"
GROUP_EXISTS = "Bad request: group already exists?"
NAME_LENGTH = 150
EMAIL_LENGTH = 254


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
    A successful answer is reused until the lab changes through this process, or for at
    most ``max_staleness`` after a change made elsewhere (a token deleted or a user
    deactivated by another process), like every derived value; refusals are not kept.
    Only the token's digest is kept, never the secret.
    """
    key = f"viewer:{secrets.digest(secret)}:{username}"
    return await ctx.changes.derived(key, lambda: _authenticate(ctx, secret, username))


async def _authenticate(ctx: RequestContext, secret: str, username: str | None) -> Viewer:
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
    """Every user, inactive ones included, by name (needs ``auth.view_user``)."""
    require_global(ctx, "auth.view_user")
    async with ctx.db() as session:
        return list(await session.scalars(select(User).order_by(User.username)))


async def list_groups(ctx: RequestContext) -> list[Group]:
    """Every group, by name (needs ``auth.view_group``)."""
    require_global(ctx, "auth.view_group")
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
    return await issue_token(ctx, user_id, description)


async def issue_token(ctx: RequestContext, user_id: int, description: str) -> NewToken:
    """A new token of user ``user_id``, stored as its digest; the caller has checked who
    may have it."""
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


# --- managing users and groups, as LAVA's auth.* API does ---------------------------------


@dataclasses.dataclass(frozen=True)
class PermissionName:
    """A global permission as LAVA's API names it: app label, model, codename."""

    app: str
    model: str
    codename: str

    @property
    def dotted(self) -> str:
        """``app.model.codename``, the three-part form of ``auth.users.show``."""
        return f"{self.app}.{self.model}.{self.codename}"


@dataclasses.dataclass(frozen=True)
class UserDetails:
    """A user with its groups and its direct global permissions (in database order)."""

    user: User
    groups: list[str]
    permissions: list[PermissionName]


@dataclasses.dataclass(frozen=True)
class GroupDetails:
    """A group with its global permissions and its members (in database order)."""

    group: Group
    permissions: list[PermissionName]
    users: list[str]


DEFAULT_ACTIONS = ("add", "change", "delete", "view")

# Django gives every model a content type and the four default permissions (plus any the
# model declares). These are the models whose permissions mean something to this server;
# their rows are created the first time a caller names them, so they can be granted on a
# database that did not come from LAVA. Values: verbose name, extra (codename, name) pairs.
KNOWN_MODELS: dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]] = {
    ("auth", "user"): ("user", ()),
    ("auth", "group"): ("group", ()),
    ("auth", "permission"): ("permission", ()),
    ("lava_scheduler_app", "alias"): ("alias", ()),
    ("lava_scheduler_app", "device"): (
        "device",
        (("submit_to_device", "Can submit jobs to device"),),
    ),
    ("lava_scheduler_app", "devicetype"): (
        "device type",
        (("submit_to_devicetype", "Can submit jobs to device type"),),
    ),
    ("lava_scheduler_app", "tag"): ("tag", ()),
    ("lava_scheduler_app", "testjob"): ("test job", ()),
    ("lava_scheduler_app", "worker"): ("worker", ()),
}


def _is_name(value: Any, longest: int = NAME_LENGTH, empty: bool = False) -> bool:
    return isinstance(value, str) and (empty or value != "") and len(value) <= longest


def _is_optional_name(value: Any, longest: int = NAME_LENGTH) -> bool:
    return value is None or _is_name(value, longest, empty=True)


def _are_flags(*values: Any) -> bool:
    return all(value is None or isinstance(value, bool) for value in values)


async def _user_named(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"User '{username}' was not found.")
    return user


async def _group_named(session: AsyncSession, name: str) -> Group:
    group = await session.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise NotFound(f"Group '{name}' was not found.")
    return group


def _permission_names(link: type[UserPermission] | type[GroupPermission], owner: Any) -> Select:
    """The permissions of one user or group, in the order they were granted."""
    return (
        select(ContentType.app_label, ContentType.model, Permission.codename)
        .select_from(link)
        .join(Permission, Permission.id == link.permission_id)
        .join(ContentType, ContentType.id == Permission.content_type_id)
        .where(owner)
        .order_by(link.id)
    )


async def _names_of_permissions(session: AsyncSession, statement: Select) -> list[PermissionName]:
    return [PermissionName(*row) for row in await session.execute(statement)]


async def _content_type(session: AsyncSession, app: str, model: str) -> ContentType:
    """The content type ``app.model``; a known one is created when missing."""
    found = await session.scalar(
        select(ContentType).where(ContentType.app_label == app, ContentType.model == model)
    )
    if found is None:
        if (app, model) not in KNOWN_MODELS:
            raise NotFound(f"Invalid app.model '{app}.{model}'")
        found = ContentType(app_label=app, model=model)
        session.add(found)
        await session.flush()
    return found


def _known_permissions(app: str, model: str) -> dict[str, str]:
    """Codename -> name of the permissions Django gives a known model."""
    verbose, extra = KNOWN_MODELS.get((app, model), ("", ()))
    if not verbose:
        return {}
    defaults = {f"{action}_{model}": f"Can {action} {verbose}" for action in DEFAULT_ACTIONS}
    return defaults | dict(extra)


async def _permission(session: AsyncSession, app: str, model: str, codename: str) -> Permission:
    """The permission ``codename`` of ``app.model``; a known one is created when missing."""
    content_type = await _content_type(session, app, model)
    found = await session.scalar(
        select(Permission).where(
            Permission.content_type_id == content_type.id, Permission.codename == codename
        )
    )
    if found is None:
        name = _known_permissions(app, model).get(codename)
        if name is None:
            raise NotFound(f"Invalid permission '{codename}'")
        found = Permission(name=name, content_type_id=content_type.id, codename=codename)
        session.add(found)
        await session.flush()
    return found


@dataclasses.dataclass(frozen=True)
class _PermissionHolders:
    """What differs between the global permissions of users and those of groups."""

    needed: str
    link: type[UserPermission] | type[GroupPermission]
    owner_column: str
    named: Callable[[AsyncSession, str], Awaitable[User | Group]]


_USER_PERMISSIONS = _PermissionHolders("auth.change_user", UserPermission, "user_id", _user_named)
_GROUP_PERMISSIONS = _PermissionHolders(
    "auth.change_group", GroupPermission, "group_id", _group_named
)


async def _set_permission(
    ctx: RequestContext,
    holders: _PermissionHolders,
    name: str,
    app: str,
    model: str,
    codename: str,
    *,
    held: bool,
) -> None:
    """Give (``held``) or take a global permission to or from the user or group ``name``;
    giving one already held or taking one not held changes nothing."""
    require_global(ctx, holders.needed)
    link = holders.link
    async with ctx.db() as session:
        owner = await holders.named(session, name)
        permission = await _permission(session, app, model, codename)
        owner_column = getattr(link, holders.owner_column)
        this = (owner_column == owner.id, link.permission_id == permission.id)
        if not held:
            await session.execute(delete(link).where(*this))
        elif await session.scalar(select(link.id).where(*this)) is None:
            session.add(link(**{holders.owner_column: owner.id, "permission_id": permission.id}))
        await ctx.commit(session)


async def user_details(ctx: RequestContext, username: str) -> UserDetails:
    """A user with its groups and direct permissions (needs ``auth.view_user``)."""
    require_global(ctx, "auth.view_user")
    async with ctx.db() as session:
        user = await _user_named(session, username)
        groups = await session.scalars(
            select(Group.name)
            .join(UserGroup, UserGroup.group_id == Group.id)
            .where(UserGroup.user_id == user.id)
            .order_by(UserGroup.id)
        )
        statement = _permission_names(UserPermission, UserPermission.user_id == user.id)
        permissions = await _names_of_permissions(session, statement)
        return UserDetails(user=user, groups=list(groups), permissions=permissions)


async def add_user(
    ctx: RequestContext,
    username: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    is_active: bool = True,
    is_staff: bool = False,
    is_superuser: bool = False,
    ldap: bool = False,
) -> User:
    """Create a user without a password (needs ``auth.add_user``); omitted names stay empty.

    ``ldap`` asks to fill the names from an LDAP directory, which this server does not use.
    """
    require_global(ctx, "auth.add_user")
    if ldap:
        raise BadInput("Bad request: authentication via LDAP not configured.")
    valid = (
        _is_name(username)
        and _is_optional_name(first_name)
        and _is_optional_name(last_name)
        and _is_optional_name(email, EMAIL_LENGTH)
        and _are_flags(is_active, is_staff, is_superuser)
    )
    if not valid:
        raise BadInput(USER_EXISTS)
    async with ctx.db() as session:
        if await session.scalar(select(exists().where(User.username == username))):
            raise BadInput(USER_EXISTS)
        user = User(
            username=username,
            first_name=first_name or "",
            last_name=last_name or "",
            email=email or "",
            is_active=is_active,
            is_staff=is_staff,
            is_superuser=is_superuser,
            date_joined=utcnow(),
        )
        session.add(user)
        await ctx.commit(session)
        return user


async def update_user(
    ctx: RequestContext,
    username: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    is_active: bool | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
) -> User:
    """Change the given attributes of a user; None leaves one as it is (needs
    ``auth.change_user``)."""
    require_global(ctx, "auth.change_user")
    async with ctx.db() as session:
        user = await _user_named(session, username)
        valid = (
            _is_optional_name(first_name)
            and _is_optional_name(last_name)
            and _is_optional_name(email, EMAIL_LENGTH)
            and _are_flags(is_active, is_staff, is_superuser)
        )
        if not valid:
            raise BadInput("Bad request")
        changes = {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "is_active": is_active,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        }
        for attribute, value in changes.items():
            if value is not None:
                setattr(user, attribute, value)
        await ctx.commit(session)
        return user


async def delete_user(ctx: RequestContext, username: str) -> None:
    """Delete a user with its tokens, groups and permissions (needs ``auth.change_user``).

    A user who submitted jobs is kept (LAVA would delete the jobs with it): deactivate it.
    """
    require_global(ctx, "auth.change_user")
    async with ctx.db() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("Bad request: user does not exists")
        if await session.scalar(select(exists().where(TestJob.submitter_id == user.id))):
            raise BadInput(
                f"Bad request: user '{username}' has submitted jobs, deactivate it instead"
            )
        await session.execute(delete(User).where(User.id == user.id))
        await ctx.commit(session)


async def user_group_names(ctx: RequestContext, username: str) -> list[str]:
    """The names of a user's groups (needs ``auth.view_user``)."""
    return (await user_details(ctx, username)).groups


async def add_user_to_group(ctx: RequestContext, username: str, group: str) -> None:
    """Put a user in a group, creating the group if needed (needs ``auth.change_user``)."""
    require_global(ctx, "auth.change_user")
    async with ctx.db() as session:
        user = await _user_named(session, username)
        if not _is_name(group):
            raise BadInput("Bad request: invalid group name")
        found = await session.scalar(select(Group).where(Group.name == group))
        if found is None:
            found = Group(name=group)
            session.add(found)
            await session.flush()
        member = select(UserGroup.id).where(
            UserGroup.user_id == user.id, UserGroup.group_id == found.id
        )
        if await session.scalar(member) is None:
            session.add(UserGroup(user_id=user.id, group_id=found.id))
        await ctx.commit(session)


async def remove_user_from_group(ctx: RequestContext, username: str, group: str) -> None:
    """Take a user out of a group; nothing happens if it is not a member (needs
    ``auth.change_user``)."""
    require_global(ctx, "auth.change_user")
    async with ctx.db() as session:
        user = await _user_named(session, username)
        found = await _group_named(session, group)
        await session.execute(
            delete(UserGroup).where(UserGroup.user_id == user.id, UserGroup.group_id == found.id)
        )
        await ctx.commit(session)


async def user_permissions(ctx: RequestContext, username: str) -> list[PermissionName]:
    """A user's direct global permissions, not those of its groups (needs
    ``auth.view_user``)."""
    return (await user_details(ctx, username)).permissions


async def grant_user_permission(
    ctx: RequestContext, username: str, app: str, model: str, codename: str
) -> None:
    """Give a user a global permission (needs ``auth.change_user``)."""
    await _set_permission(ctx, _USER_PERMISSIONS, username, app, model, codename, held=True)


async def revoke_user_permission(
    ctx: RequestContext, username: str, app: str, model: str, codename: str
) -> None:
    """Take a global permission from a user; nothing happens if it does not hold it (needs
    ``auth.change_user``)."""
    await _set_permission(ctx, _USER_PERMISSIONS, username, app, model, codename, held=False)


async def group_details(ctx: RequestContext, name: str) -> GroupDetails:
    """A group with its global permissions and members (needs ``auth.view_group``)."""
    require_global(ctx, "auth.view_group")
    async with ctx.db() as session:
        group = await _group_named(session, name)
        statement = _permission_names(GroupPermission, GroupPermission.group_id == group.id)
        permissions = await _names_of_permissions(session, statement)
        members = await session.scalars(
            select(User.username)
            .join(UserGroup, UserGroup.user_id == User.id)
            .where(UserGroup.group_id == group.id)
            .order_by(UserGroup.id)
        )
        return GroupDetails(group=group, permissions=permissions, users=list(members))


async def add_group(ctx: RequestContext, name: str) -> Group:
    """Create a group (needs ``auth.add_group``)."""
    require_global(ctx, "auth.add_group")
    if not _is_name(name):
        raise BadInput(GROUP_EXISTS)
    async with ctx.db() as session:
        if await session.scalar(select(exists().where(Group.name == name))):
            raise BadInput(GROUP_EXISTS)
        group = Group(name=name)
        session.add(group)
        await ctx.commit(session)
        return group


async def delete_group(ctx: RequestContext, name: str) -> None:
    """Delete a group with its memberships and all its permissions, per-object ones on
    devices, device types and workers included (needs ``auth.change_group``)."""
    require_global(ctx, "auth.change_group")
    async with ctx.db() as session:
        group = await session.scalar(select(Group).where(Group.name == name))
        if group is None:
            raise NotFound("Bad request: group does not exists")
        await session.execute(delete(Group).where(Group.id == group.id))
        await ctx.commit(session)


async def group_permissions(ctx: RequestContext, name: str) -> list[PermissionName]:
    """A group's global permissions (needs ``auth.view_group``)."""
    return (await group_details(ctx, name)).permissions


async def grant_group_permission(
    ctx: RequestContext, name: str, app: str, model: str, codename: str
) -> None:
    """Give a group a global permission (needs ``auth.change_group``)."""
    await _set_permission(ctx, _GROUP_PERMISSIONS, name, app, model, codename, held=True)


async def revoke_group_permission(
    ctx: RequestContext, name: str, app: str, model: str, codename: str
) -> None:
    """Take a global permission from a group (needs ``auth.change_group``)."""
    await _set_permission(ctx, _GROUP_PERMISSIONS, name, app, model, codename, held=False)


async def set_user_groups(ctx: RequestContext, email: str, groups: Any) -> None:
    """Make the existing groups among ``groups`` the groups of the user with this e-mail
    address, as LAVA's ``system.set_user_groups`` does: unknown group names are skipped.
    Staff only. BadInput when no user has the address, when more than one has it, and when
    ``groups`` (as sent) is not a list."""
    require_staff(ctx)
    async with ctx.db() as session:
        users = list(await session.scalars(select(User.id).where(User.email == email).limit(2)))
        if not users:
            raise BadInput("please use an existing user")
        if len(users) > 1:
            raise BadInput(f"more than one user has the e-mail address '{email}'")
        if not isinstance(groups, list):
            raise BadInput("groups must be a list")
        user_id = users[0]
        names = sorted({str(name) for name in groups})
        wanted = set(await session.scalars(select(Group.id).where(Group.name.in_(names))))
        held = set(
            await session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user_id))
        )
        await session.execute(
            delete(UserGroup).where(
                UserGroup.user_id == user_id, UserGroup.group_id.in_(sorted(held - wanted))
            )
        )
        session.add_all(UserGroup(user_id=user_id, group_id=group) for group in wanted - held)
        await ctx.commit(session)
