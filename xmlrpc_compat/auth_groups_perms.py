"""``auth.groups.perms.*``: the global permissions of a group."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import users
from xmlrpc_compat.auth_users_perms import permission_items
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "auth.groups.perms"
API_CLASS = "GroupsPermissionsAPI"


async def add(call: Call, name: Any, app: Any, model: Any, codename: Any) -> None:
    """Name
    ----
    `auth.groups.perms.add` (`name`, `app`, `model`, `codename`)

    Give a group a global permission, named by the application label, the lower-case
    model name and the codename (for example `lava_scheduler_app`, `device`,
    `change_device`); every member then holds it. Requires the `auth.change_group`
    permission.
    """
    call.require_login()
    await users.grant_group_permission(
        call.ctx, as_text(name), as_text(app), as_text(model), as_text(codename)
    )


async def delete(call: Call, name: Any, app: Any, model: Any, codename: Any) -> None:
    """Name
    ----
    `auth.groups.perms.delete` (`name`, `app`, `model`, `codename`)

    Take a global permission, named as for `auth.groups.perms.add`, from a group.
    Requires the `auth.change_group` permission.
    """
    call.require_login()
    await users.revoke_group_permission(
        call.ctx, as_text(name), as_text(app), as_text(model), as_text(codename)
    )


@read_only
async def list_perms(call: Call, name: Any) -> list[dict[str, str]]:
    """Name
    ----
    `auth.groups.perms.list` (`name`)

    A group's global permissions, each as `{app, model, codename}` (not those it holds
    on particular devices or device types). Requires the `auth.view_group` permission.
    """
    call.require_login()
    return permission_items(await users.group_permissions(call.ctx, as_text(name)))


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_perms,
}
