"""The inventory list routes read a page in a constant number of SQL statements,
whatever its size: each route's resolver calls, counted for a small and a large page."""

from __future__ import annotations

import pytest

from gql_server.resolvers import devices, inventory, workers
from gql_server.resolvers.context import RequestContext, Viewer
from tests.support.statements import page_statements

ADMIN = Viewer(user_id=-1, username="rest-statements-admin", is_superuser=True)
MEMBER = Viewer(user_id=-2, username="rest-statements-member")


async def _device_page(ctx: RequestContext, limit: int) -> int:
    _count, found = await devices.counted_devices(ctx, True, [], [("hostname", True)], 0, limit)
    await devices.device_tag_ids(ctx, [device.hostname for device in found])
    return len(found)


async def _device_type_page(ctx: RequestContext, limit: int) -> int:
    _count, found = await inventory.counted_device_types(ctx, [], [], 0, limit)
    await inventory.device_type_links(ctx, [device_type.name for device_type in found])
    return len(found)


async def _worker_page(ctx: RequestContext, limit: int) -> int:
    return len((await workers.counted_workers(ctx, [], [], 0, limit))[1])


async def _tag_page(ctx: RequestContext, limit: int) -> int:
    return len((await inventory.counted_tags(ctx, [], [], 0, limit))[1])


async def _alias_page(ctx: RequestContext, limit: int) -> int:
    return len((await inventory.counted_aliases(ctx, [], [], 0, limit))[1])


async def _device_grant_page(ctx: RequestContext, limit: int) -> int:
    return len((await devices.counted_grants(ctx, devices.DEVICE_GRANTS, [], [], 0, limit))[1])


async def _type_grant_page(ctx: RequestContext, limit: int) -> int:
    grants = inventory.DEVICE_TYPE_GRANTS
    return len((await devices.counted_grants(ctx, grants, [], [], 0, limit))[1])


PAGES = {
    "devices": (_device_page, 3),
    "devicetypes": (_device_type_page, 4),
    "workers": (_worker_page, 2),
    "tags": (_tag_page, 2),
    "aliases": (_alias_page, 2),
    "permissions/devices": (_device_grant_page, 2),
    "permissions/devicetypes": (_type_grant_page, 2),
}


@pytest.mark.parametrize("route", PAGES)
def test_a_page_costs_the_same_whatever_its_size(lab, route):
    read, most = PAGES[route]
    viewers = [ADMIN] if route.startswith("permissions/") else [ADMIN, MEMBER]
    for viewer in viewers:
        small, small_rows = page_statements(lab, viewer, read, 1)
        large, large_rows = page_statements(lab, viewer, read, 500)
        assert large == small, (route, viewer.username, small, large)
        # The lab's grants (and the devices of restricted types), read once per request.
        grants = 0 if viewer.is_superuser else 2
        assert small <= most + grants, (route, small)
        if route != "permissions/devices":
            assert large_rows > small_rows
