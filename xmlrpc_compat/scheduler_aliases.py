"""``scheduler.aliases.*``: aliases, other names that jobs may give a device type."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import inventory
from xmlrpc_compat.methods import Call, Fault, named, read_only

NAMESPACE = "scheduler.aliases"
API_CLASS = "SchedulerAliasesAPI"


async def add(call: Call, name: Any, device_type_name: Any) -> None:
    """Name
    ----
    `scheduler.aliases.add` (`name`, `device_type_name`)

    Create the alias `name` for a device type you may see. The name must be new, and
    may not be a device type's. Requires the global permission
    `lava_scheduler_app.add_alias`. Returns nil.
    """
    call.require_login()
    if not isinstance(device_type_name, str):
        raise Fault(400, "Bad request. DeviceType does not exist")
    if not isinstance(name, str):
        raise Fault(400, f"Bad request: invalid alias '{name}'.")
    await inventory.create_alias(call.ctx, name, device_type_name)


async def delete(call: Call, name: Any) -> None:
    """Name
    ----
    `scheduler.aliases.delete` (`name`)

    Delete an alias. Requires the global permission `lava_scheduler_app.delete_alias`.
    Returns nil.
    """
    call.require_login()
    await inventory.delete_alias(call.ctx, named(name, "Alias"))


@read_only
async def list_aliases(call: Call) -> list[str]:
    """Name
    ----
    `scheduler.aliases.list` ()

    The names of all aliases, sorted (leaving out those of device types hidden from you).
    """
    return await inventory.alias_names(call.ctx)


@read_only
async def show(call: Call, name: Any) -> dict[str, str]:
    """Name
    ----
    `scheduler.aliases.show` (`name`)

    An alias and the name of its device type: `{name, device_type}`, where
    `device_type` is "" when the alias has none or you may not see it.
    """
    alias = named(name, "Alias")
    device_type = await inventory.alias_device_type(call.ctx, alias)
    return {"name": alias, "device_type": device_type or ""}


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_aliases,
    "show": show,
}
