"""scheduler.tags.*: creating, listing, showing and deleting tags."""

from __future__ import annotations

from tests.support.xmlrpc import LOGIN_REQUIRED as LOGIN
from tests.support.xmlrpc import execute, fault


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
