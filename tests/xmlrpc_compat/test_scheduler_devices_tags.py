"""scheduler.devices.tags.*: putting tags on devices, listing and removing them."""

from __future__ import annotations

import itertools

import pytest

from gql_server.db.models import DeviceType, Worker
from tests.support.xmlrpc import execute, fault, run_sql, xmlrpc_proxy

PREFIX = "xr-devices-tags"
TYPE = f"{PREFIX}-type"
WORKER = f"{PREFIX}-worker"
_numbers = itertools.count()


def tag_names(lab) -> set[str]:
    return {name for (name,) in execute(lab, "SELECT name FROM lava_scheduler_app_tag")}


@pytest.fixture(scope="module")
def inventory(lab) -> None:
    """A device type and a worker of this module's own."""
    run_sql(lab, DeviceType(name=TYPE), Worker(hostname=WORKER))


@pytest.fixture
def device(admin, inventory) -> str:
    hostname = f"{PREFIX}-{next(_numbers):02d}"
    admin.scheduler.devices.add(hostname, TYPE, WORKER)
    return hostname


def test_add_list_and_delete(lab, admin, device):
    tags = admin.scheduler.devices.tags
    assert tags.list(device) == []
    assert tags.add(device, f"{PREFIX}-zeta") is None
    assert tags.add(device, f"{PREFIX}-alpha") is None
    assert tags.add(device, f"{PREFIX}-alpha") is None  # already there: nothing changes
    expected = [f"{PREFIX}-alpha", f"{PREFIX}-zeta"]
    assert xmlrpc_proxy(lab.server.base_url).scheduler.devices.tags.list(device) == expected
    assert admin.scheduler.devices.show(device)["tags"] == expected

    assert tags.delete(device, f"{PREFIX}-zeta") is None
    assert tags.list(device) == [f"{PREFIX}-alpha"]
    assert tag_names(lab) >= set(expected)  # taken off, not deleted


def test_faults(lab, admin, member, device):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    missing = f"{PREFIX}-none"
    assert fault(lambda: anonymous.scheduler.devices.tags.add(device, "t")) == (
        401,
        "Authentication with user and token required for this API.",
    )
    assert fault(lambda: member.scheduler.devices.tags.add(device, "t")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.add_tag.",
    )
    assert fault(lambda: member.scheduler.devices.tags.delete(device, "t")) == (
        403,
        f"User 'vis-member' needs admin permission on device {device}.",
    )
    for run in (
        lambda: admin.scheduler.devices.tags.add(missing, "t"),
        lambda: admin.scheduler.devices.tags.delete(missing, "t"),
        lambda: anonymous.scheduler.devices.tags.list(missing),
    ):
        assert fault(run) == (404, f"Device '{missing}' was not found.")
    assert fault(lambda: admin.scheduler.devices.tags.delete(device, f"{PREFIX}-never")) == (
        404,
        f"Tag '{PREFIX}-never' was not found.",
    )
    assert fault(lambda: admin.scheduler.devices.tags.add(device, "x" * 101))[0] == 400
    assert admin.scheduler.devices.tags.list(device) == []


def test_hidden_devices_have_no_tags_to_list(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert fault(lambda: anonymous.scheduler.devices.tags.list("vis-secret-01")) == (
        404,
        "Device 'vis-secret-01' was not found.",
    )
    secret = xmlrpc_proxy(lab.server.base_url, "vis-secret", lab.tokens["vis-secret"])
    assert secret.scheduler.devices.tags.list("vis-secret-01") == []
