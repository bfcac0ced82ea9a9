"""``auth.groups.*``: create, show and delete groups of users."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import users
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "auth.groups"
API_CLASS = "GroupsAPI"


async def add(call: Call, name: Any) -> None:
    """Name
    ----
    `auth.groups.add` (`name`)

    Create an empty group. Requires the `auth.add_group` permission.
    """
    call.require_login()
    await users.add_group(call.ctx, name)


async def delete(call: Call, name: Any) -> None:
    """Name
    ----
    `auth.groups.delete` (`name`)

    Delete a group, its memberships and its permissions, those it holds on particular
    devices, device types and workers included. Requires the `auth.change_group`
    permission.
    """
    call.require_login()
    await users.delete_group(call.ctx, as_text(name))


@read_only
async def list_groups(call: Call) -> list[str]:
    """Name
    ----
    `auth.groups.list` ()

    The names of all groups, sorted. Requires the `auth.view_group` permission.
    """
    call.require_login()
    return [group.name for group in await users.list_groups(call.ctx)]


@read_only
async def show(call: Call, name: Any) -> dict[str, Any]:
    """Name
    ----
    `auth.groups.show` (`name`)

    One group: its id, name, global permissions as `app.model.codename`, and the
    usernames of its members. Requires the `auth.view_group` permission.
    """
    call.require_login()
    details = await users.group_details(call.ctx, as_text(name))
    return {
        "id": details.group.id,
        "name": details.group.name,
        "permissions": [permission.dotted for permission in details.permissions],
        "users": details.users,
    }


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_groups,
    "show": show,
}
