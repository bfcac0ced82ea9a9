"""``scheduler.devices.tags.*``: devices' tags."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import devices
from xmlrpc_compat.methods import Call, as_text, read_only

NAMESPACE = "scheduler.devices.tags"
API_CLASS = "SchedulerDevicesTagsAPI"


async def add(call: Call, hostname: Any, name: Any) -> None:
    """Name
    ----
    `scheduler.devices.tags.add` (`hostname`, `name`)

    Put a tag on a device; the tag is created when it does not exist yet. Returns nil.
    Requires the global permission to add tags and the right to change the device.
    """
    await devices.tag_device(call.ctx, as_text(hostname), as_text(name))


@read_only
async def list_tags(call: Call, hostname: Any) -> list[str]:
    """Name
    ----
    `scheduler.devices.tags.list` (`hostname`)

    The names of the tags of a device you may see, sorted.
    """
    return await devices.device_tag_names(call.ctx, as_text(hostname))


async def delete(call: Call, hostname: Any, name: Any) -> None:
    """Name
    ----
    `scheduler.devices.tags.delete` (`hostname`, `name`)

    Take a tag off a device; the tag itself stays. Returns nil. Requires the right to
    change the device.
    """
    await devices.untag_device(call.ctx, as_text(hostname), as_text(name))


METHODS = {"add": add, "list": list_tags, "delete": delete}
