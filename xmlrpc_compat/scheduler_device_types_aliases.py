"""``scheduler.device_types.aliases.*``: the aliases of one device type."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import inventory
from gql_server.resolvers.inventory import AliasOfAnotherType
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, named, read_only
from xmlrpc_compat.scheduler_device_types import type_name

NAMESPACE = "scheduler.device_types.aliases"
API_CLASS = "SchedulerDeviceTypesAliasesAPI"


async def add(call: Call, name: Any, alias: Any) -> None:
    """Name
    ----
    `scheduler.device_types.aliases.add` (`name`, `alias`)

    Make `alias` another name of device type `name`: the alias is created if needed,
    and taken from its former device type if it had one. It may not be a device type's
    name. Requires the global permission `lava_scheduler_app.add_alias` and the right to
    change the device type. Returns nil.
    """
    call.require_login()
    if not isinstance(alias, str):
        raise Fault(400, f"Bad request: invalid alias '{alias}'.")
    await inventory.attach_alias(call.ctx, type_name(name), alias)


@read_only
async def list_aliases(call: Call, name: Any) -> list[str]:
    """Name
    ----
    `scheduler.device_types.aliases.list` (`name`)

    The aliases of a device type you may see, sorted.
    """
    device_type = await inventory.visible_device_type(call.ctx, type_name(name))
    aliases = await inventory.aliases_by_type(call.ctx, [device_type.name])
    return [alias.name for alias in aliases.get(device_type.name, [])]


async def delete(call: Call, name: Any, alias: Any) -> None:
    """Name
    ----
    `scheduler.device_types.aliases.delete` (`name`, `alias`)

    Take `alias` from device type `name`; the alias itself remains, with no device
    type (`scheduler.aliases.delete` removes it). Requires the right to change the
    device type. Returns nil.
    """
    try:
        await inventory.detach_alias(call.ctx, type_name(name), named(alias, "Alias"))
    except AliasOfAnotherType as exc:
        raise Fault(-32603, f"{INTERNAL_ERROR}: {exc.message}") from exc


METHODS = {
    "add": add,
    "list": list_aliases,
    "delete": delete,
}
