"""``scheduler.device_types.*``: device types, their templates, health checks and
per-group permissions."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from gql_server.lab.enums import DeviceHealth, DeviceState, HealthDenominator
from gql_server.resolvers import inventory
from gql_server.resolvers.inventory import DeviceTypeSettings
from gql_server.resolvers.stored_files import FileKind
from xmlrpc_compat.methods import Call, Fault, named, read_only

NAMESPACE = "scheduler.device_types"
API_CLASS = "SchedulerDeviceTypesAPI"
WRITE_FAILED = {
    FileKind.DEVICE_TYPE_TEMPLATE: "Unable to write device-type configuration",
    FileKind.HEALTH_CHECK: "Unable to write health-check",
}


def type_name(value: Any) -> str:
    """A device-type name argument; a value that is not a string names no device type."""
    return named(value, "Device-type")


def _optional(value: Any, kind: type, what: str) -> Any:
    """``value`` when it is None or of ``kind`` (a bool is no int here), else a 400 fault."""
    if value is None:
        return None
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise Fault(400, f"Bad request: invalid {what}.")


async def add(
    call: Call,
    name: Any,
    description: Any,
    display: Any,
    owners_only: Any,
    health_frequency: Any,
    health_denominator: Any,
) -> None:
    """Name
    ----
    `scheduler.device_types.add` (`name`, `description`, `display`, `owners_only`,
    `health_frequency`, `health_denominator`)

    Create a device type. `display` says whether it is shown (and scheduled);
    `owners_only` is ignored; a health check runs every `health_frequency` units of
    `health_denominator`, "hours" or "jobs". The name may not contain "/" nor be that of
    another device type or of an alias. Requires the global permission
    `lava_scheduler_app.change_devicetype`. Returns nil.
    """
    call.require_login()
    valid = (
        isinstance(name, str)
        and isinstance(description, str | None)
        and isinstance(display, bool)
        and isinstance(health_frequency, int)
        and not isinstance(health_frequency, bool)
    )
    if not valid:
        raise Fault(400, inventory.NAME_IN_USE)
    denominator = health_denominator if isinstance(health_denominator, str) else None
    settings = DeviceTypeSettings(
        description=description,
        display=display,
        health_frequency=health_frequency,
        health_denominator=denominator,
    )
    await inventory.add_device_type(call.ctx, name, settings)


async def update(
    call: Call,
    name: Any,
    description: Any,
    display: Any,
    owners_only: Any,
    health_frequency: Any,
    health_denominator: Any,
    health_disabled: Any,
) -> None:
    """Name
    ----
    `scheduler.device_types.update` (`name`, `description`, `display`, `owners_only`,
    `health_frequency`, `health_denominator`, `health_disabled`)

    Change a device type: every argument is required, and nil leaves that setting as it
    is (`owners_only` is ignored). Requires the right to change the device type (the
    global or a group's `change_devicetype`). Returns nil.
    """
    settings = DeviceTypeSettings(
        description=_optional(description, str, "description"),
        display=_optional(display, bool, "display"),
        health_frequency=_optional(health_frequency, int, "health_frequency"),
        health_denominator=_optional(health_denominator, str, "health_denominator"),
        health_disabled=_optional(health_disabled, bool, "health_disabled"),
    )
    await inventory.update_device_type(call.ctx, type_name(name), settings)


@read_only
async def list_device_types(call: Call, show_all: Any = False) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.device_types.list` (`show_all=False`)

    The device types you may see, by name: `{name, devices, installed, template}`, with
    the number of their devices and whether a template is stored for them. With
    `show_all`, the stored templates that no device type uses follow, as not installed.
    """
    entries = await inventory.device_type_entries(call.ctx, bool(show_all))
    return [
        {
            "name": entry.name,
            "devices": entry.devices,
            "installed": entry.installed,
            "template": entry.template,
        }
        for entry in entries
    ]


@read_only
async def show(call: Call, name: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.device_types.show` (`name`)

    A device type you may see: its description, display flag, health-check settings,
    aliases, the devices of it you may see, whether it has no template of its own
    (`default_template`), and the permissions groups hold on it (`[{name, group}]`).
    """
    detail = await inventory.device_type_detail(call.ctx, type_name(name))
    device_type = detail.device_type
    return {
        "name": device_type.name,
        "description": device_type.description,
        "display": device_type.display,
        "health_disabled": device_type.disable_health_check,
        "health_denominator": HealthDenominator(device_type.health_denominator).display,
        "health_frequency": device_type.health_frequency,
        "aliases": detail.aliases,
        "devices": detail.devices,
        "default_template": not detail.has_template,
        "permissions": [{"name": g.codename, "group": g.group} for g in detail.grants],
    }


@read_only
async def devices(call: Call, name: Any, health: Any = None) -> list[dict[str, Any]]:
    """Name
    ----
    `scheduler.device_types.devices` (`name`, `health=None`)

    The devices of a device type that you may see, retired ones included:
    `[{hostname, health, state}]`. `health` (GOOD, UNKNOWN, LOOPING, BAD, MAINTENANCE or
    RETIRED, any case) keeps the devices in that health.
    """
    device_type = await inventory.visible_device_type(call.ctx, type_name(name))
    wanted = _health(health) if health else None
    found = await inventory.devices_of_type(call.ctx, device_type, wanted)
    return [
        {
            "hostname": device.hostname,
            "health": DeviceHealth(device.health).display,
            "state": DeviceState(device.state).display,
        }
        for device in found
    ]


def _health(value: Any) -> DeviceHealth:
    if isinstance(value, str) and value.upper() in DeviceHealth.__members__:
        return DeviceHealth[value.upper()]
    raise Fault(400, f"Invalid health '{value}'")


def _file_name(value: Any) -> str:
    if not isinstance(value, str):
        raise Fault(400, f"Invalid device-type '{value}'")
    return value


async def _read(call: Call, kind: FileKind, name: Any) -> xmlrpc.client.Binary:
    content = await inventory.read_device_type_file(call.ctx, kind, _file_name(name))
    return xmlrpc.client.Binary(content.encode("utf-8"))


async def _write(call: Call, kind: FileKind, name: Any, config: Any) -> None:
    if not isinstance(config, str):
        raise Fault(400, f"{WRITE_FAILED[kind]}: the content must be a string")
    await inventory.write_device_type_file(call.ctx, kind, type_name(name), config)


@read_only
async def get_template(call: Call, name: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.device_types.get_template` (`name`)

    The Jinja2 template stored for a device type (base64). Anyone may read it, unless
    a device type of that name is hidden from them.
    """
    return await _read(call, FileKind.DEVICE_TYPE_TEMPLATE, name)


async def set_template(call: Call, name: Any, config: Any) -> None:
    """Name
    ----
    `scheduler.device_types.set_template` (`name`, `config`)

    Store the Jinja2 template of an existing device type; an empty `config` removes it.
    Requires the right to change the device type. Returns nil.
    """
    await _write(call, FileKind.DEVICE_TYPE_TEMPLATE, name, config)


@read_only
async def get_health_check(call: Call, name: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.device_types.get_health_check` (`name`)

    The health-check job definition stored for a device type (base64). Anyone may read
    it, unless a device type of that name is hidden from them.
    """
    return await _read(call, FileKind.HEALTH_CHECK, name)


async def set_health_check(call: Call, name: Any, config: Any) -> None:
    """Name
    ----
    `scheduler.device_types.set_health_check` (`name`, `config`)

    Store the health-check job definition of an existing device type; an empty
    `config` removes it. Requires the right to change the device type. Returns nil.
    """
    await _write(call, FileKind.HEALTH_CHECK, name, config)


async def perms_add(call: Call, name: Any, group: Any, permission: Any) -> None:
    """Name
    ----
    `scheduler.device_types.perms_add` (`name`, `group`, `permission`)

    Give a group a permission on one device type: `view_devicetype`,
    `submit_to_devicetype` or `change_devicetype` (also `add_devicetype`,
    `delete_devicetype`; a `lava_scheduler_app.` prefix is allowed). Staff only.
    Returns nil.
    """
    await inventory.grant_device_type_permission(
        call.ctx, type_name(name), named(group, "Group"), str(permission)
    )


async def perms_delete(call: Call, name: Any, group: Any, permission: Any) -> None:
    """Name
    ----
    `scheduler.device_types.perms_delete` (`name`, `group`, `permission`)

    Take a permission on one device type from a group; nothing happens when the group
    does not hold it. Staff only. Returns nil.
    """
    await inventory.revoke_device_type_permission(
        call.ctx, type_name(name), named(group, "Group"), str(permission)
    )


@read_only
async def perms_list(call: Call, name: Any) -> list[dict[str, str]]:
    """Name
    ----
    `scheduler.device_types.perms_list` (`name`)

    The permissions groups hold on one device type: `[{name, group}]`, oldest first.
    Staff only.
    """
    grants = await inventory.device_type_grants(call.ctx, type_name(name))
    return [{"name": grant.codename, "group": grant.group} for grant in grants]


METHODS = {
    "add": add,
    "update": update,
    "list": list_device_types,
    "show": show,
    "devices": devices,
    "get_template": get_template,
    "set_template": set_template,
    "get_health_check": get_health_check,
    "set_health_check": set_health_check,
    "perms_add": perms_add,
    "perms_delete": perms_delete,
    "perms_list": perms_list,
}
