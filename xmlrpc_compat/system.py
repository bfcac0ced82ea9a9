"""``system.*``: who am I, which server, which methods, several calls in one."""

from __future__ import annotations

from typing import Any

from gql_server.lab.legacy import LAVA_API_LEVEL
from gql_server.resolvers import devices, inventory, user_access, users
from xmlrpc_compat.methods import Call, Fault, as_optional_text, read_only

NAMESPACE = "system"
API_CLASS = "LavaSystemAPI"
INTROSPECTION_CLASS = "SystemAPI"

API_VERSION = 2
SIGNATURES = {"system.methodHelp": ["str", "str"], "system.multicall": ["array", "array"]}
MULTICALL_KEYS = {"methodName", "params"}


@read_only
async def list_methods(call: Call) -> list[str]:
    """Name
    ----
    `system.listMethods` ()

    Every method this server answers, sorted by name.
    """
    return sorted(call.catalogue)


@read_only
async def method_help(call: Call, method_name: Any) -> str:
    """Name
    ----
    `system.methodHelp` (`method_name`)

    The help text of a method (this text, for this method); an empty string for a
    method this server does not have.
    """
    method = call.catalogue.get(method_name) if isinstance(method_name, str) else None
    return method.help if method is not None else ""


@read_only
async def method_signature(call: Call, method_name: Any) -> list[str] | str:
    """Name
    ----
    `system.methodSignature` (`method_name`)

    The signature of a method as XML-RPC introspection describes it: a list of type
    names for the few methods that declare one, "undef" for the others, and an empty
    string for a method this server does not have.
    """
    if not isinstance(method_name, str) or method_name not in call.catalogue:
        return ""
    return SIGNATURES.get(method_name, "undef")


async def multicall(call: Call, subcalls: Any) -> list[Any]:
    """Call multiple methods with one request.

    Name
    ----
    `system.multicall` (`subcalls`)

    `subcalls` is a list of structs `{"methodName": name, "params": [...]}`, run in
    order as the same caller. Each answer is a one-element list holding the result, or
    a fault struct `{"faultCode", "faultString"}`; one failure does not stop the others.
    """
    if not isinstance(subcalls, list):
        raise Fault(-32602, "system.multicall expected a list of methods to call")
    return [await _one_of_many(call, subcall) for subcall in subcalls]


async def _one_of_many(call: Call, subcall: Any) -> Any:
    try:
        name, params = _subcall(subcall)
        return [await call.invoke(name, params)]
    except Fault as fault:
        return {"faultCode": fault.code, "faultString": fault.text}


def _subcall(subcall: Any) -> tuple[str, tuple[Any, ...]]:
    if not isinstance(subcall, dict):
        raise Fault(-32602, "system.multicall expected struct")
    if "methodName" not in subcall:
        raise Fault(-32602, "system.multicall methodName not specified")
    if not isinstance(subcall["methodName"], str):
        raise Fault(-32602, "system.multicall methodName must be a string")
    if "params" not in subcall:
        raise Fault(-32602, "system.multicall params not specified")
    if not isinstance(subcall["params"], list):
        raise Fault(-32602, "system.multicall params must be an array")
    extra = sorted(set(subcall) - MULTICALL_KEYS)
    if extra:
        raise Fault(-32602, f"system.multicall specified additional arguments {extra}")
    return subcall["methodName"], tuple(subcall["params"])


@read_only
async def get_capabilities(_call: Call) -> dict[str, Any]:
    """Name
    ----
    `system.getCapabilities` ()

    The XML-RPC extensions this server follows: introspection, interoperable fault
    codes, and authentication by token.
    """
    return {
        "introspect": {
            "specUrl": "http://xmlrpc-c.sourceforge.net/xmlrpc-c/introspection.html",
            "specVersion": 1,
        },
        "faults_interop": {
            "specUrl": "http://xmlrpc-epi.sourceforge.net/specs/rfc.fault_codes.php",
            "specVersion": 20010516,
        },
        "auth_token": {
            "specUrl": "https://blueprints.launchpad.net/linaro-django-xmlrpc/+spec/"
            "other-o-linaro-xml-rpc-auth-tokens",
            "specVersion": 20110516,
        },
    }


@read_only
async def whoami(call: Call) -> str | None:
    """Name
    ----
    `system.whoami` ()

    The name of the user whose token authenticated this call; nil when anonymous.
    """
    return call.ctx.viewer.username if call.ctx.viewer.is_authenticated else None


@read_only
async def version(_call: Call) -> str:
    """Name
    ----
    `system.version` ()

    The LAVA release whose API this server implements, as `YYYY.MM`. Clients such as
    lavacli use it to choose how to call the other methods.
    """
    return LAVA_API_LEVEL


@read_only
async def api_version(_call: Call) -> int:
    """Name
    ----
    `system.api_version` ()

    The version of the XML-RPC API itself (2).
    """
    return API_VERSION


@read_only
async def master_config(call: Call) -> dict[str, Any]:
    """Name
    ----
    `system.master_config` ()

    Where events are published: the topic prefix and the ZMQ socket, whether events
    are on, and the log size limit in MiB.
    """
    return {
        "EVENT_TOPIC": call.settings.event_topic,
        "EVENT_SOCKET": call.settings.event_socket,
        "EVENT_NOTIFICATION": True,
        "LOG_SIZE_LIMIT": 5,
    }


@read_only
async def user_can_view_bundles(_call: Call, bundle_list: Any, username: Any = None) -> bool:
    """Name
    ----
    `system.user_can_view_bundles` (`bundle_list`, `username=None`)

    Bundles no longer exist in LAVA: always false.
    """
    return False


@read_only
async def user_can_view_jobs(call: Call, job_list: Any, username: Any = None) -> dict[str, bool]:
    """Name
    ----
    `system.user_can_view_jobs` (`job_list`, `username=None`)

    For each job of the list that exists (keyed by its id as a string): whether you may
    see it, or, for a superuser naming another user, whether that user may.
    """
    if not isinstance(job_list, list):
        raise Fault(400, "job list argument must be a list")
    ids = [_job_number(job_id) for job_id in job_list]
    async with user_access.on_behalf_of(call.ctx, as_optional_text(username)) as asked:
        answers = await user_access.jobs_viewable(asked, ids)
    return {str(job_id): visible for job_id, visible in answers.items()}


def _job_number(job_id: Any) -> int:
    try:
        return int(job_id)
    except (TypeError, ValueError) as exc:
        raise Fault(400, f"Invalid job id {job_id!r}") from exc


@read_only
async def user_can_view_devices(
    call: Call, device_list: Any, username: Any = None
) -> dict[str, list[dict[str, Any]]]:
    """Name
    ----
    `system.user_can_view_devices` (`device_list`, `username=None`)

    For each device of the list that exists, grouped by device type: whether you (or,
    for a superuser naming another user, that user) may see it.
    """
    if not isinstance(device_list, list):
        raise Fault(400, "device list argument must be a list")
    async with user_access.on_behalf_of(call.ctx, as_optional_text(username)) as asked:
        answers = await user_access.devices_viewable(asked, [str(h) for h in device_list])
    return {
        device_type: [{hostname: _device_view(visible)} for hostname, visible in devices]
        for device_type, devices in answers.items()
    }


def _device_view(visible: bool) -> dict[str, bool]:
    if not visible:
        return {"visible": False}
    return {"is_pipeline": True, "visible": True, "exclusive": True}


@read_only
async def user_can_submit_to_types(
    call: Call, type_list: Any, username: Any = None
) -> dict[str, bool]:
    """Name
    ----
    `system.user_can_submit_to_types` (`type_list`, `username=None`)

    For each device type of the list that exists: whether you (or the named user, for a
    superuser) hold an explicit right to submit to it, globally or through a group.
    Types open to everyone answer false for ordinary users, as in LAVA.
    """
    if not isinstance(type_list, list):
        raise Fault(400, "type list argument must be a list")
    async with user_access.on_behalf_of(call.ctx, as_optional_text(username)) as asked:
        return await user_access.types_submittable(asked, [str(name) for name in type_list])


async def set_user_groups(call: Call, user: Any, groups: Any) -> None:
    """Name
    ----
    `system.set_user_groups` (`user`, `groups`)

    Make the groups named in the list `groups` the groups of the user whose e-mail
    address is `user` (no other user may have that address); names of groups that do
    not exist are skipped. Returns nil. Staff only.
    """
    await users.set_user_groups(call.ctx, str(user), groups)


async def assign_perm_device_type(call: Call, perm: Any, device_type: Any, group: Any) -> None:
    """Name
    ----
    `system.assign_perm_device_type` (`perm`, `device_type`, `group`)

    Give an existing group a permission on one device type: `view_devicetype`,
    `submit_to_devicetype` or `change_devicetype` (a "lava_scheduler_app." prefix is
    accepted). Granting it again changes nothing. Returns nil. Requires the global
    permission to change device types.
    """
    await inventory.assign_device_type_permission(call.ctx, str(perm), device_type, str(group))


async def revoke_perm_device_type(call: Call, perm: Any, device_type: Any, group: Any) -> None:
    """Name
    ----
    `system.revoke_perm_device_type` (`perm`, `device_type`, `group`)

    Take a permission on one device type back from an existing group; nothing happens
    when the group does not hold it. Returns nil. Requires the global permission to
    change device types.
    """
    await inventory.unassign_device_type_permission(call.ctx, str(perm), device_type, str(group))


async def assign_perm_device(call: Call, perm: Any, device: Any, group: Any) -> None:
    """Name
    ----
    `system.assign_perm_device` (`perm`, `device`, `group`)

    Give an existing group a permission on one device: `view_device`, `submit_to_device`
    or `change_device` (a "lava_scheduler_app." prefix is accepted). Granting it again
    changes nothing. Returns nil. Requires the global permission to change devices.
    """
    await devices.assign_device_permission(call.ctx, str(perm), device, str(group))


async def revoke_perm_device(call: Call, perm: Any, device: Any, group: Any) -> None:
    """Name
    ----
    `system.revoke_perm_device` (`perm`, `device`, `group`)

    Take a permission on one device back from an existing group; nothing happens when the
    group does not hold it. Returns nil. Requires the global permission to change devices.
    """
    await devices.unassign_device_permission(call.ctx, str(perm), device, str(group))


METHODS = {
    "version": version,
    "api_version": api_version,
    "whoami": whoami,
    "master_config": master_config,
    "user_can_view_bundles": user_can_view_bundles,
    "user_can_view_jobs": user_can_view_jobs,
    "user_can_view_devices": user_can_view_devices,
    "user_can_submit_to_types": user_can_submit_to_types,
    "set_user_groups": set_user_groups,
    "assign_perm_device_type": assign_perm_device_type,
    "revoke_perm_device_type": revoke_perm_device_type,
    "assign_perm_device": assign_perm_device,
    "revoke_perm_device": revoke_perm_device,
}
INTROSPECTION = {
    "listMethods": list_methods,
    "methodHelp": method_help,
    "methodSignature": method_signature,
    "multicall": multicall,
    "getCapabilities": get_capabilities,
}
