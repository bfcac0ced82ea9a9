"""``scheduler.tags.*``: tags, the features a device offers and a job may require."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import inventory
from xmlrpc_compat.methods import Call, Fault, named, read_only

NAMESPACE = "scheduler.tags"
API_CLASS = "SchedulerTagsAPI"


async def add(call: Call, name: Any, description: Any = None) -> None:
    """Name
    ----
    `scheduler.tags.add` (`name`, `description=None`)

    Create a tag with a new name (at most 100 characters) and an optional description.
    Requires the global permission `lava_scheduler_app.add_tag`. Returns nil.
    """
    call.require_login()
    if not isinstance(name, str) or not isinstance(description, str | None):
        raise Fault(400, inventory.TAG_IN_USE)
    await inventory.create_tag(call.ctx, name, description)


async def delete(call: Call, name: Any) -> None:
    """Name
    ----
    `scheduler.tags.delete` (`name`)

    Delete a tag; the devices and jobs that had it no longer do. Requires the global
    permission `lava_scheduler_app.delete_tag`. Returns nil.
    """
    call.require_login()
    await inventory.delete_tag(call.ctx, named(name, "Tag"))


@read_only
async def list_tags(call: Call) -> list[dict[str, str | None]]:
    """Name
    ----
    `scheduler.tags.list` ()

    Every tag, by name: `[{name, description}]`.
    """
    tags = await inventory.all_tags(call.ctx)
    return [{"name": tag.name, "description": tag.description} for tag in tags]


@read_only
async def show(call: Call, name: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.tags.show` (`name`)

    A tag: `{name, description, devices}`, with the hostnames of the devices you may
    see that carry it.
    """
    tag, hostnames = await inventory.tag_devices(call.ctx, named(name, "Tag"))
    return {"name": tag.name, "description": tag.description, "devices": hostnames}


METHODS = {
    "add": add,
    "delete": delete,
    "list": list_tags,
    "show": show,
}
