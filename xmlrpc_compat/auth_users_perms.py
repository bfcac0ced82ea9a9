"""``auth.users.perms.*``: the global permissions given to a user directly."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import users
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "auth.users.perms"
API_CLASS = "UsersPermissionsAPI"


def permission_items(permissions: list[users.PermissionName]) -> list[dict[str, str]]:
    """Permissions as LAVA lists them: `{app, model, codename}` each."""
    return [
        {"app": permission.app, "model": permission.model, "codename": permission.codename}
        for permission in permissions
    ]


async def add(call: Call, username: Any, app: Any, model: Any, codename: Any) -> None:
    """Name
    ----
    `auth.users.perms.add` (`username`, `app`, `model`, `codename`)

    Give a user a global permission, named by the application label, the lower-case
    model name and the codename (for example `auth`, `user`, `view_user`). Requires the
    `auth.change_user` permission.
    """
    call.require_login()
    await users.grant_user_permission(
        call.ctx, as_text(username), as_text(app), as_text(model), as_text(codename)
    )


async def delete(call: Call, username: Any, app: Any, model: Any, codename: Any) -> None:
    """Name
    ----
    `auth.users.perms.delete` (`username`, `app`, `model`, `codename`)

    Take a global permission, named as for `auth.users.perms.add`, from a user. Requires
    the `auth.change_user` permission.
    """
    call.require_login()
    await users.revoke_user_permission(
        call.ctx, as_text(username), as_text(app), as_text(model), as_text(codename)
    )


@read_only
async def list_perms(call: Call, username: Any) -> list[dict[str, str]]:
    """Name
    ----
    `auth.users.perms.list` (`username`)

    The global permissions given to a user directly (not through its groups), each as
    `{app, model, codename}`. Requires the `auth.view_user` permission.
    """
    call.require_login()
    return permission_items(await users.user_permissions(call.ctx, as_text(username)))


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_perms,
}
