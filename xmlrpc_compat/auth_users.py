"""``auth.users.*``: create, show, change and delete user accounts."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import users
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "auth.users"
API_CLASS = "UsersAPI"


async def add(
    call: Call,
    username: Any,
    first_name: Any = None,
    last_name: Any = None,
    email: Any = None,
    is_active: Any = True,
    is_staff: Any = False,
    is_superuser: Any = False,
    ldap: Any = False,
) -> None:
    """Name
    ----
    `auth.users.add` (`username`, `first_name=None`, `last_name=None`, `email=None`,
    `is_active=True`, `is_staff=False`, `is_superuser=False`, `ldap=False`)

    Create a user account with these flags; names and e-mail left out stay empty. The
    account has no password: it is used through API tokens. This server has no LDAP
    directory, so `ldap` must be false. Requires the `auth.add_user` permission.
    """
    call.require_login()
    await users.add_user(
        call.ctx,
        username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_active=is_active,
        is_staff=is_staff,
        is_superuser=is_superuser,
        ldap=bool(ldap),
    )


async def delete(call: Call, username: Any) -> None:
    """Name
    ----
    `auth.users.delete` (`username`)

    Delete a user account with its API tokens, group memberships and permissions. An
    account that submitted jobs cannot be deleted (its jobs are kept): deactivate it with
    `auth.users.update` instead. Requires the `auth.change_user` permission.
    """
    call.require_login()
    await users.delete_user(call.ctx, as_text(username))


@read_only
async def list_users(call: Call) -> list[dict[str, Any]]:
    """Name
    ----
    `auth.users.list` ()

    Every user account, inactive ones too, sorted by username: its username, names and
    superuser, staff and active flags. Requires the `auth.view_user` permission.
    """
    call.require_login()
    return [
        {
            "username": user.username,
            "last_name": user.last_name,
            "first_name": user.first_name,
            "is_superuser": user.is_superuser,
            "is_staff": user.is_staff,
            "is_active": user.is_active,
        }
        for user in await users.list_users(call.ctx)
    ]


@read_only
async def show(call: Call, username: Any) -> dict[str, Any]:
    """Name
    ----
    `auth.users.show` (`username`)

    One user account: its id, names, e-mail, flags, when it joined and last logged in
    (UTC), its groups, and the permissions given to it directly (not through a group) as
    `app.model.codename`. Requires the `auth.view_user` permission.
    """
    call.require_login()
    details = await users.user_details(call.ctx, as_text(username))
    user = details.user
    return {
        "date_joined": user.date_joined,
        "email": user.email,
        "first_name": user.first_name,
        "groups": details.groups,
        "permissions": [permission.dotted for permission in details.permissions],
        "id": user.id,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "last_login": user.last_login,
        "last_name": user.last_name,
        "username": user.username,
    }


async def update(
    call: Call,
    username: Any,
    first_name: Any = None,
    last_name: Any = None,
    email: Any = None,
    is_active: Any = None,
    is_staff: Any = None,
    is_superuser: Any = None,
) -> None:
    """Name
    ----
    `auth.users.update` (`username`, `first_name=None`, `last_name=None`, `email=None`,
    `is_active=None`, `is_staff=None`, `is_superuser=None`)

    Change the names, e-mail or flags of a user account; what is None stays as it is.
    A deactivated account's tokens stop working. Requires the `auth.change_user`
    permission.
    """
    call.require_login()
    await users.update_user(
        call.ctx,
        as_text(username),
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_active=is_active,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_users,
    "show": show,
    "update": update,
}
