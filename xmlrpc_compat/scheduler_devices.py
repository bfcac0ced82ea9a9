"""``scheduler.devices.*``: devices, their dictionaries and their group permissions."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from gql_server.lab import job_context
from gql_server.lab.enums import DeviceHealth, DeviceState
from gql_server.resolvers import devices
from gql_server.resolvers.devices import DeviceChanges
from xmlrpc_compat.methods import Call, Fault, as_optional_text, as_text, read_only

NAMESPACE = "scheduler.devices"
API_CLASS = "SchedulerDevicesAPI"


async def add(
    call: Call,
    hostname: Any,
    type_name: Any,
    worker_hostname: Any,
    user_name: Any = None,
    group_name: Any = None,
    public: Any = True,
    health: Any = None,
    description: Any = None,
) -> None:
    """Name
    ----
    `scheduler.devices.add` (`hostname`, `type_name`, `worker_hostname`,
    `user_name=None`, `group_name=None`, `public=True`, `health=None`,
    `description=None`)

    Create a device of an existing device type, attached to an existing worker. It
    starts Idle, with the given health (GOOD, UNKNOWN, LOOPING, BAD, MAINTENANCE or
    RETIRED; UNKNOWN by default) and description. `user_name`, `group_name` and
    `public` are accepted for old clients and ignored. Hostnames cannot contain "/".
    Returns nil. Requires the global permission to change devices.
    """
    await devices.add_device(
        call.ctx,
        as_text(hostname),
        as_text(type_name),
        as_text(worker_hostname),
        health=as_optional_text(health),
        description=as_optional_text(description),
    )


@read_only
async def list_devices(call: Call, show_all: Any = False, offline_info: Any = False) -> list[Any]:
    """Name
    ----
    `scheduler.devices.list` (`show_all=False`, `offline_info=False`)

    The devices you may see, by hostname: each one's hostname, type, health, state and
    current job (the id of its unfinished job, or nil). Retired devices are left out
    unless `show_all` is true. `offline_info` is accepted and ignored.
    """
    found = await devices.every_visible_device(call.ctx, include_retired=bool(show_all))
    jobs = await devices.current_job_ids(call.ctx, [device.hostname for device in found])
    return [
        {
            "hostname": device.hostname,
            "type": device.device_type_id,
            "health": DeviceHealth(device.health).display,
            "state": DeviceState(device.state).display,
            "current_job": jobs.get(device.hostname),
            "pipeline": True,
        }
        for device in found
    ]


@read_only
async def show(call: Call, hostname: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.devices.show` (`hostname`)

    One device you may see (retired ones too): its type, health and state, whether a
    health check exists for it, its description, whether it has a device dictionary,
    its worker, current job, tags (sorted) and the permissions groups hold on it
    (`[{name, group}]`).
    """
    name = as_text(hostname)
    device = await devices.viewable_device(call.ctx, name)
    jobs = await devices.current_job_ids(call.ctx, [name])
    tags = (await devices.tags_by_device(call.ctx, [name])).get(name, [])
    grants = await devices.device_grants(call.ctx, name)
    return {
        "hostname": device.hostname,
        "device_type": device.device_type_id,
        "health": DeviceHealth(device.health).display,
        "state": DeviceState(device.state).display,
        "health_job": await devices.has_health_check(call.ctx, name),
        "description": device.description,
        "pipeline": True,
        "has_device_dict": bool(await devices.device_dictionary(call.ctx, name)),
        "worker": device.worker_host_id,
        "current_job": jobs.get(name),
        "tags": [tag.name for tag in tags],
        "permissions": [{"name": grant.codename, "group": grant.group} for grant in grants],
    }


async def update(
    call: Call,
    hostname: Any,
    worker_hostname: Any = None,
    user_name: Any = None,
    group_name: Any = None,
    public: Any = True,
    health: Any = None,
    description: Any = None,
    device_type: Any = None,
    reason: Any = None,
) -> None:
    """Name
    ----
    `scheduler.devices.update` (`hostname`, `worker_hostname=None`, `user_name=None`,
    `group_name=None`, `public=True`, `health=None`, `description=None`,
    `device_type=None`, `reason=None`)

    Change what is given (not nil) of a device: its worker, its physical owner
    (`user_name`), its health (GOOD, UNKNOWN, LOOPING, BAD, MAINTENANCE or RETIRED),
    description or device type. Retiring a device cancels its current job.
    `group_name` and `public` are ignored; `reason` explains a health change. Returns
    nil. Requires the right to change the device.
    """
    changes = DeviceChanges(
        worker=as_optional_text(worker_hostname),
        owner=as_optional_text(user_name),
        health=as_optional_text(health),
        description=as_optional_text(description),
        device_type=as_optional_text(device_type),
    )
    await devices.update_device(call.ctx, as_text(hostname), changes)


async def delete(call: Call, hostname: Any) -> None:
    """Name
    ----
    `scheduler.devices.delete` (`hostname`)

    Remove a device, and with it every job that ran on it or asked for it (jobs still
    running are canceled first), with their results. Its device dictionary is kept.
    Returns nil. Requires the global permission to delete devices.
    """
    await devices.delete_device(call.ctx, as_text(hostname))


def context_variables(
    context: Any, message: str, not_mapping: str = job_context.NOT_A_MAPPING
) -> dict[str, Any]:
    """The template variables of a ``context`` argument (see
    :func:`gql_server.lab.job_context.context_variables`). A bad one is fault 400 with
    ``message``, a format string given the ``context`` and the ``problem`` (the YAML
    error, or ``not_mapping``)."""
    try:
        return job_context.context_variables(context)
    except job_context.NotAMapping as exc:
        raise Fault(400, message.format(context=context, problem=not_mapping)) from exc
    except job_context.ContextError as exc:
        raise Fault(400, message.format(context=context, problem=exc)) from exc


@read_only
async def get_dictionary(
    call: Call, hostname: Any, render: Any = False, context: Any = None
) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.devices.get_dictionary` (`hostname`, `render=False`, `context=None`)

    The device dictionary of a device you may see, in base64: the Jinja2 text as it was
    stored, or with `render` the device configuration (YAML) rendered from it and the
    device-type templates it extends. `context` is a YAML mapping of extra template
    variables, as a job context would give them.
    """
    name = as_text(hostname)
    await devices.viewable_device(call.ctx, name)
    variables = context_variables(context, "Job Context '{context}' is not valid: {problem}")
    if render:
        text = await devices.render_device_configuration(call.ctx, name, variables)
    else:
        text = await devices.device_dictionary(call.ctx, name)
    if text is None:
        raise Fault(404, f"Device '{name}' does not have a configuration")
    return xmlrpc.client.Binary(text.encode())


async def set_dictionary(call: Call, hostname: Any, dictionary: Any) -> bool:
    """Name
    ----
    `scheduler.devices.set_dictionary` (`hostname`, `dictionary`)

    Store the device dictionary (Jinja2 text) of a device; an empty string removes it.
    Returns true once stored, false when `dictionary` is not a string. Requires the
    right to change the device.
    """
    name = as_text(hostname)
    await devices.changeable_device(call.ctx, name)
    if not isinstance(dictionary, str):
        return False
    await devices.set_device_dictionary(call.ctx, name, dictionary)
    return True


async def perms_add(call: Call, hostname: Any, group: Any, permission: Any) -> None:
    """Name
    ----
    `scheduler.devices.perms_add` (`hostname`, `group`, `permission`)

    Give a group a permission on one device: `view_device`, `submit_to_device` or
    `change_device` (also `add_device`, `delete_device`; a "lava_scheduler_app."
    prefix is accepted). Granting it again changes nothing. Returns nil. Staff only.
    """
    await devices.grant_device_permission(
        call.ctx, as_text(hostname), as_text(group), as_text(permission)
    )


async def perms_delete(call: Call, hostname: Any, group: Any, permission: Any) -> None:
    """Name
    ----
    `scheduler.devices.perms_delete` (`hostname`, `group`, `permission`)

    Take a permission on one device back from a group; nothing happens when the group
    does not hold it. Returns nil. Staff only.
    """
    await devices.revoke_device_permission(
        call.ctx, as_text(hostname), as_text(group), as_text(permission)
    )


@read_only
async def perms_list(call: Call, hostname: Any) -> list[dict[str, str]]:
    """Name
    ----
    `scheduler.devices.perms_list` (`hostname`)

    The permissions groups hold on one device, in the order they were given:
    `[{name: codename, group: group name}]`. Staff only.
    """
    grants = await devices.list_device_grants(call.ctx, as_text(hostname))
    return [{"name": grant.codename, "group": grant.group} for grant in grants]


METHODS = {
    "add": add,
    "list": list_devices,
    "show": show,
    "update": update,
    "delete": delete,
    "get_dictionary": get_dictionary,
    "set_dictionary": set_dictionary,
    "perms_add": perms_add,
    "perms_delete": perms_delete,
    "perms_list": perms_list,
}
