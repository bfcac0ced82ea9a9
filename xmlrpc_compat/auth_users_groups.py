"""``auth.users.groups.*``: which groups a user belongs to."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import users
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "auth.users.groups"
API_CLASS = "UsersGroupsAPI"


async def add(call: Call, username: Any, group: Any) -> None:
    """Name
    ----
    `auth.users.groups.add` (`username`, `group`)

    Put a user in a group; the group is created if it does not exist yet. Requires the
    `auth.change_user` permission.
    """
    call.require_login()
    await users.add_user_to_group(call.ctx, as_text(username), group)


async def delete(call: Call, username: Any, group: Any) -> None:
    """Name
    ----
    `auth.users.groups.delete` (`username`, `group`)

    Take a user out of a group (nothing to do when it is not a member). Requires the
    `auth.change_user` permission.
    """
    call.require_login()
    await users.remove_user_from_group(call.ctx, as_text(username), as_text(group))


@read_only
async def list_groups(call: Call, username: Any) -> list[str]:
    """Name
    ----
    `auth.users.groups.list` (`username`)

    The names of the groups a user belongs to. Requires the `auth.view_user` permission.
    """
    call.require_login()
    return await users.user_group_names(call.ctx, as_text(username))


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_groups,
}
