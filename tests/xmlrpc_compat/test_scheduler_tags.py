"""scheduler.tags.*: creating, listing, showing and deleting tags."""

from __future__ import annotations

import xmlrpc.client

import pytest
import sqlalchemy

from tests.support.server import xmlrpc_proxy

LOGIN = (401, "Authentication with user and token required for this API.")


def fault(run) -> tuple[int, str]:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        run()
    return raised.value.faultCode, raised.value.faultString


def execute(lab, statement: str, **params) -> list:
    """Run SQL on the lab's database (for rows only this module uses); returns the rows."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.begin() as connection:
        result = connection.execute(sqlalchemy.text(statement), params)
        rows = result.all() if result.returns_rows else []
    engine.dispose()
    return rows


@pytest.fixture
def admin(lab):
    return xmlrpc_proxy(lab.server.base_url, "vis-admin", lab.tokens["vis-admin"])


@pytest.fixture
def member(lab):
    return xmlrpc_proxy(lab.server.base_url, "vis-member", lab.tokens["vis-member"])


@pytest.fixture
def anonymous(lab):
    return xmlrpc_proxy(lab.server.base_url)


def test_add_list_show_and_delete(admin, anonymous):
    assert admin.scheduler.tags.add("xr-tags-one", "The first") is None
    assert admin.scheduler.tags.add("xr-tags-two") is None
    listed = anonymous.scheduler.tags.list()
    assert [tag["name"] for tag in listed] == sorted(tag["name"] for tag in listed)
    assert list(listed[0]) == ["name", "description"]
    assert {"name": "xr-tags-one", "description": "The first"} in listed
    assert {"name": "xr-tags-two", "description": None} in listed
    shown = anonymous.scheduler.tags.show("xr-tags-one")
    assert list(shown) == ["name", "description", "devices"]
    assert shown == {"name": "xr-tags-one", "description": "The first", "devices": []}
    assert admin.scheduler.tags.delete("xr-tags-one") is None
    assert fault(lambda: anonymous.scheduler.tags.show("xr-tags-one")) == (
        404,
        "Tag 'xr-tags-one' was not found.",
    )
    assert "xr-tags-one" not in [tag["name"] for tag in anonymous.scheduler.tags.list()]


def test_faults(admin, member, anonymous):
    admin.scheduler.tags.add("xr-tags-taken")
    assert fault(lambda: anonymous.scheduler.tags.add("xr-tags-a")) == LOGIN
    assert fault(lambda: member.scheduler.tags.add("xr-tags-a")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.add_tag.",
    )
    for name in ("xr-tags-taken", "", "t" * 101):
        assert fault(lambda n=name: admin.scheduler.tags.add(n)) == (
            400,
            "Bad request: tag already exists?",
        )
    assert fault(lambda: anonymous.scheduler.tags.delete("xr-tags-taken")) == LOGIN
    assert fault(lambda: member.scheduler.tags.delete("xr-tags-taken")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.delete_tag.",
    )
    assert fault(lambda: admin.scheduler.tags.delete("xr-tags-nope")) == (
        404,
        "Tag 'xr-tags-nope' was not found.",
    )
    assert fault(lambda: anonymous.scheduler.tags.show(7)) == (404, "Tag '7' was not found.")


def test_show_lists_visible_devices_only(admin, anonymous):
    # the demo's imx8mq devices carry "usb" but their type is hidden from anonymous callers
    everyone = anonymous.scheduler.tags.show("usb")["devices"]
    everything = admin.scheduler.tags.show("usb")["devices"]
    assert everyone and set(everyone) < set(everything)
    assert any(h.startswith("imx8mq-") for h in everything)
    assert not any(h.startswith("imx8mq-") for h in everyone)


def test_deleting_a_tag_takes_it_from_devices(lab, admin, anonymous):
    admin.scheduler.device_types.add("xr-tags-type", None, True, False, 24, "hours")
    admin.scheduler.tags.add("xr-tags-fitted")
    execute(
        lab,
        "INSERT INTO lava_scheduler_app_device (hostname, device_type_id, state, health,"
        " is_synced) VALUES ('xr-tags-01', 'xr-tags-type', 0, 0, false)",
    )
    execute(
        lab,
        "INSERT INTO lava_scheduler_app_device_tags (device_id, tag_id) SELECT 'xr-tags-01', id"
        " FROM lava_scheduler_app_tag WHERE name = 'xr-tags-fitted'",
    )
    assert anonymous.scheduler.tags.show("xr-tags-fitted")["devices"] == ["xr-tags-01"]
    admin.scheduler.tags.delete("xr-tags-fitted")
    assert not execute(
        lab, "SELECT id FROM lava_scheduler_app_device_tags WHERE device_id = 'xr-tags-01'"
    )
