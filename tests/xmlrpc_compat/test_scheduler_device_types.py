"""scheduler.device_types.* and scheduler.device_types.aliases.*: device types, their
templates and health checks, per-group permissions, and aliases."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.conftest import make_token
from tests.support.xmlrpc import LOGIN_REQUIRED as LOGIN
from tests.support.xmlrpc import cli, execute, fault, xmlrpc_proxy

SHOW_KEYS = [
    "name", "description", "display", "health_disabled", "health_denominator",
    "health_frequency", "aliases", "devices", "default_template", "permissions",
]  # fmt: skip
INTERNAL = "Internal Server Error (contact server administrator for details)"


@pytest.fixture
def staff(lab):
    """A staff user (not a superuser): the only kind that may manage permissions."""
    cli(lab, "users", "add", "xr-dt-staff", "--staff")
    return xmlrpc_proxy(
        lab.server.base_url, "xr-dt-staff", make_token(lab.database_url, "xr-dt-staff")
    )


def add_type(proxy, name: str, frequency: int = 24, denominator: str = "hours") -> None:
    assert proxy.scheduler.device_types.add(name, None, True, False, frequency, denominator) is None


def test_add_show_update_and_list(admin, anonymous):
    assert (
        admin.scheduler.device_types.add("xr-dt-board", "A board", True, False, 12, "jobs") is None
    )
    shown = anonymous.scheduler.device_types.show("xr-dt-board")
    assert list(shown) == SHOW_KEYS
    assert shown == {
        "name": "xr-dt-board",
        "description": "A board",
        "display": True,
        "health_disabled": False,
        "health_denominator": "jobs",
        "health_frequency": 12,
        "aliases": [],
        "devices": [],
        "default_template": True,
        "permissions": [],
    }
    update = admin.scheduler.device_types.update
    assert update("xr-dt-board", "Renamed", False, None, 6, "hours", True) is None
    assert update("xr-dt-board", None, None, None, None, None, None) is None  # nil: unchanged
    shown = anonymous.scheduler.device_types.show("xr-dt-board")
    assert (shown["description"], shown["display"], shown["health_disabled"]) == (
        "Renamed",
        False,
        True,
    )
    assert (shown["health_frequency"], shown["health_denominator"]) == (6, "hours")
    listed = anonymous.scheduler.device_types.list()
    assert [entry["name"] for entry in listed] == sorted(entry["name"] for entry in listed)
    entry = next(entry for entry in listed if entry["name"] == "xr-dt-board")
    assert list(entry) == ["name", "devices", "installed", "template"]
    assert entry == {"name": "xr-dt-board", "devices": 0, "installed": True, "template": False}


def test_add_faults(admin, member, anonymous):
    add = admin.scheduler.device_types.add
    add_type(admin, "xr-dt-twice")
    assert (
        fault(lambda: anonymous.scheduler.device_types.add("xr-dt-a", "", True, False, 1, "jobs"))
        == LOGIN
    )
    assert fault(
        lambda: member.scheduler.device_types.add("xr-dt-a", "", True, False, 1, "jobs")
    ) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.change_devicetype.",
    )
    assert fault(lambda: add("xr-dt-a", "", True, False, 1, "weeks")) == (
        400,
        "Bad request: invalid health_denominator.",
    )
    # a device type's name, an alias's (of the demo's qemu), a "/", too long, a bad type
    for name in ("xr-dt-twice", "kvm-guest", "xr/dt", "x" * 51, ""):
        assert fault(lambda n=name: add(n, "", True, False, 1, "jobs")) == (
            400,
            "Bad request: device-type name is already used.",
        ), name
    assert fault(lambda: add("xr-dt-a", "", "yes", False, 1, "jobs"))[0] == 400
    assert fault(lambda: add("xr-dt-a", "", True, False, 1)) == (
        -32603,
        f"{INTERNAL}: SchedulerDeviceTypesAPI.add() missing 1 required positional argument:"
        " 'health_denominator'",
    )


def test_update_faults(admin, member, anonymous):
    add_type(admin, "xr-dt-upd")
    update = admin.scheduler.device_types.update
    assert fault(lambda: update("xr-dt-nope", None, None, None, None, None, None)) == (
        404,
        "Device-type 'xr-dt-nope' was not found.",
    )
    for caller, name in ((member, "vis-member"), (anonymous, "AnonymousUser")):
        assert fault(
            lambda c=caller: c.scheduler.device_types.update(
                "xr-dt-upd", "x", None, None, None, None, None
            )
        ) == (403, "No 'admin' permissions for device-type 'xr-dt-upd'."), name
    assert fault(lambda: update("xr-dt-upd", None, None, None, None, "days", None)) == (
        400,
        "Bad request: invalid health_denominator.",
    )
    assert fault(lambda: update("xr-dt-upd", None, None, None, "often", None, None)) == (
        400,
        "Bad request: invalid health_frequency.",
    )
    assert fault(lambda: update("xr-dt-upd", None, None, None, None, None)) == (
        -32603,
        f"{INTERNAL}: SchedulerDeviceTypesAPI.update() missing 1 required positional argument:"
        " 'health_disabled'",
    )
    assert admin.scheduler.device_types.show("xr-dt-upd")["health_denominator"] == "hours"


def test_devices_of_a_type_and_their_counts(lab, admin, anonymous):
    add_type(admin, "xr-dt-devs")
    execute(
        lab,
        "INSERT INTO lava_scheduler_app_device (hostname, device_type_id, state, health,"
        " is_synced) VALUES ('xr-dt-devs-01', 'xr-dt-devs', 0, 0, false),"
        " ('xr-dt-devs-02', 'xr-dt-devs', 0, 5, false)",
    )
    entry = next(e for e in anonymous.scheduler.device_types.list() if e["name"] == "xr-dt-devs")
    assert entry["devices"] == 2
    assert anonymous.scheduler.device_types.show("xr-dt-devs")["devices"] == [
        "xr-dt-devs-01",
        "xr-dt-devs-02",
    ]
    devices = anonymous.scheduler.device_types.devices
    assert devices("xr-dt-devs") == [
        {"hostname": "xr-dt-devs-01", "health": "Good", "state": "Idle"},
        {"hostname": "xr-dt-devs-02", "health": "Retired", "state": "Idle"},
    ]
    assert [d["hostname"] for d in devices("xr-dt-devs", "retired")] == ["xr-dt-devs-02"]
    assert [d["hostname"] for d in devices("xr-dt-devs", "GOOD")] == ["xr-dt-devs-01"]
    assert devices("xr-dt-devs", "MAINTENANCE") == []
    assert fault(lambda: devices("xr-dt-devs", "SICK")) == (400, "Invalid health 'SICK'")
    assert fault(lambda: devices("xr-dt-nope")) == (404, "Device-type 'xr-dt-nope' was not found.")


def test_hidden_device_types(lab, anonymous):
    secret = xmlrpc_proxy(lab.server.base_url, "vis-secret", lab.tokens["vis-secret"])
    hidden = (404, "Device-type 'vis-secret-type' was not found.")
    assert fault(lambda: anonymous.scheduler.device_types.show("vis-secret-type")) == hidden
    assert fault(lambda: anonymous.scheduler.device_types.devices("vis-secret-type")) == hidden
    assert "vis-secret-type" not in [e["name"] for e in anonymous.scheduler.device_types.list()]
    assert "vis-secret-type" in [e["name"] for e in secret.scheduler.device_types.list()]
    shown = secret.scheduler.device_types.show("vis-secret-type")
    assert "vis-secret-01" in shown["devices"]
    assert {"name": "view_devicetype", "group": "vis-secret-group"} in shown["permissions"]
    devices = secret.scheduler.device_types.devices("vis-secret-type")
    assert "vis-secret-01" in [device["hostname"] for device in devices]


@pytest.mark.parametrize(
    ("getter", "setter", "write_failed"),
    [
        ("get_template", "set_template", "Unable to write device-type configuration"),
        ("get_health_check", "set_health_check", "Unable to write health-check"),
    ],
)
def test_templates_and_health_checks(lab, admin, member, anonymous, getter, setter, write_failed):
    name = f"xr-dt-{setter.replace('_', '-')}"
    add_type(admin, name)
    get = getattr(anonymous.scheduler.device_types, getter)
    put = getattr(admin.scheduler.device_types, setter)
    missing = (404, f"Device-type '{name}' was not found.")
    assert fault(lambda: get(name)) == missing
    assert put(name, "{% extends 'base.jinja2' %}\n") is None
    assert get(name) == xmlrpc.client.Binary(b"{% extends 'base.jinja2' %}\n")
    if setter == "set_template":
        assert anonymous.scheduler.device_types.show(name)["default_template"] is False
        entry = next(e for e in anonymous.scheduler.device_types.list() if e["name"] == name)
        assert entry["template"] is True
    assert put(name, "") is None  # an empty text removes it
    assert fault(lambda: get(name)) == missing
    assert fault(lambda: put("xr-dt-nope", "x")) == (404, "Device-type 'xr-dt-nope' was not found.")
    for caller in (member, anonymous):
        assert fault(lambda c=caller: getattr(c.scheduler.device_types, setter)(name, "x")) == (
            403,
            f"No 'change' permissions for device-type '{name}'.",
        )
    assert fault(lambda: put(name, 42)) == (400, f"{write_failed}: the content must be a string")
    for bad in ("../etc/passwd", ".hidden", ""):
        assert fault(lambda b=bad: get(b)) == (400, f"Invalid device-type '{bad}'")


def test_files_of_hidden_types_are_hidden(lab, admin, anonymous):
    secret = xmlrpc_proxy(lab.server.base_url, "vis-secret", lab.tokens["vis-secret"])
    admin.scheduler.device_types.set_health_check("vis-secret-type", "job_name: hc\n")
    try:
        assert fault(
            lambda: anonymous.scheduler.device_types.get_health_check("vis-secret-type")
        ) == (
            404,
            "Device-type 'vis-secret-type' was not found.",
        )
        text = secret.scheduler.device_types.get_health_check("vis-secret-type")
        assert text.data == b"job_name: hc\n"
    finally:
        admin.scheduler.device_types.set_health_check("vis-secret-type", "")


def test_list_all_adds_templates_without_a_device_type(lab, anonymous):
    execute(
        lab,
        "INSERT INTO gql_server_stored_file (kind, name, content, updated) VALUES"
        " ('device_type_template', 'xr-dt-orphan', 'x', CURRENT_TIMESTAMP),"
        " ('device_type_template', 'base-xr-dt', 'x', CURRENT_TIMESTAMP)",
    )
    orphan = {"name": "xr-dt-orphan", "devices": 0, "installed": False, "template": True}
    assert orphan not in anonymous.scheduler.device_types.list()
    everything = anonymous.scheduler.device_types.list(True)
    assert orphan in everything
    assert "base-xr-dt" not in [entry["name"] for entry in everything]
    installed = [entry["installed"] for entry in everything]
    assert installed == sorted(installed, reverse=True)  # database rows first


def test_group_permissions(lab, admin, staff, member, anonymous):
    add_type(admin, "xr-dt-perm")
    add_type(admin, "xr-dt-perm-other")
    perms = staff.scheduler.device_types
    assert perms.perms_list("xr-dt-perm") == []
    assert perms.perms_add("xr-dt-perm", "vis-team", "change_devicetype") is None
    assert perms.perms_add("xr-dt-perm", "vis-team", "lava_scheduler_app.change_devicetype") is None
    granted = [{"name": "change_devicetype", "group": "vis-team"}]
    assert perms.perms_list("xr-dt-perm") == granted
    assert anonymous.scheduler.device_types.show("xr-dt-perm")["permissions"] == granted
    # the grant gives vis-member the change right on that type only
    assert member.scheduler.device_types.set_template("xr-dt-perm", "x") is None
    assert (
        member.scheduler.device_types.update("xr-dt-perm", "mine", None, None, None, None, None)
        is None
    )
    assert (
        fault(lambda: member.scheduler.device_types.set_template("xr-dt-perm-other", "x"))[0] == 403
    )
    # a view grant hides the type from everyone else
    assert perms.perms_add("xr-dt-perm", "vis-secret-group", "view_devicetype") is None
    secret = xmlrpc_proxy(lab.server.base_url, "vis-secret", lab.tokens["vis-secret"])
    outsider = xmlrpc_proxy(lab.server.base_url, "vis-outsider", lab.tokens["vis-outsider"])
    assert secret.scheduler.device_types.show("xr-dt-perm")["description"] == "mine"
    assert member.scheduler.device_types.show("xr-dt-perm")["name"] == "xr-dt-perm"
    for caller in (anonymous, outsider):
        assert fault(lambda c=caller: c.scheduler.device_types.show("xr-dt-perm"))[0] == 404
    assert perms.perms_delete("xr-dt-perm", "vis-secret-group", "view_devicetype") is None
    assert perms.perms_delete("xr-dt-perm", "vis-secret-group", "view_devicetype") is None
    assert perms.perms_delete("xr-dt-perm", "vis-team", "no_such_codename") is None
    assert perms.perms_list("xr-dt-perm") == granted
    assert anonymous.scheduler.device_types.show("xr-dt-perm")["name"] == "xr-dt-perm"


def test_group_permission_faults(admin, staff, anonymous):
    add_type(admin, "xr-dt-perm-faults")
    perms = staff.scheduler.device_types
    assert fault(lambda: perms.perms_add("xr-dt-perm-faults", "vis-team", "fly")) == (
        -32603,
        f"{INTERNAL}: Please use existing permission codename",
    )
    assert (
        fault(lambda: perms.perms_add("xr-dt-perm-faults", "vis-team", "view_device"))[0] == -32603
    )
    assert fault(lambda: perms.perms_add("xr-dt-nope", "vis-team", "view_devicetype")) == (
        404,
        "Device-type 'xr-dt-nope' was not found.",
    )
    assert fault(lambda: perms.perms_delete("xr-dt-perm-faults", "xr-nope", "view_devicetype")) == (
        404,
        "Group 'xr-nope' was not found.",
    )
    assert fault(lambda: perms.perms_list("xr-dt-nope"))[0] == 404
    # superusers without the staff flag are refused, as in LAVA
    assert fault(lambda: admin.scheduler.device_types.perms_list("xr-dt-perm-faults")) == (
        403,
        "forbidden",
    )
    assert fault(lambda: anonymous.scheduler.device_types.perms_list("xr-dt-perm-faults")) == LOGIN


def test_aliases_of_a_device_type(admin, anonymous):
    add_type(admin, "xr-dt-al")
    add_type(admin, "xr-dt-al2")
    aliases = admin.scheduler.device_types.aliases
    assert aliases.add("xr-dt-al", "xr-dt-al-two") is None
    assert aliases.add("xr-dt-al", "xr-dt-al-one") is None
    assert anonymous.scheduler.device_types.aliases.list("xr-dt-al") == [
        "xr-dt-al-one",
        "xr-dt-al-two",
    ]
    assert anonymous.scheduler.device_types.show("xr-dt-al")["aliases"] == [
        "xr-dt-al-one",
        "xr-dt-al-two",
    ]
    assert aliases.add("xr-dt-al2", "xr-dt-al-one") is None  # moved to the other type
    assert aliases.list("xr-dt-al") == ["xr-dt-al-two"]
    assert aliases.list("xr-dt-al2") == ["xr-dt-al-one"]
    assert aliases.delete("xr-dt-al", "xr-dt-al-two") is None
    assert aliases.list("xr-dt-al") == []
    # the alias remains, with no device type
    assert anonymous.scheduler.aliases.show("xr-dt-al-two") == {
        "name": "xr-dt-al-two",
        "device_type": "",
    }


def test_alias_faults(lab, admin, member, anonymous):
    add_type(admin, "xr-dt-alf")
    aliases = admin.scheduler.device_types.aliases
    assert fault(lambda: anonymous.scheduler.device_types.aliases.add("xr-dt-alf", "a")) == LOGIN
    assert fault(lambda: member.scheduler.device_types.aliases.add("xr-dt-alf", "a")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.add_alias.",
    )
    assert fault(lambda: aliases.add("xr-dt-nope", "a")) == (
        404,
        "Device-type 'xr-dt-nope' was not found.",
    )
    assert fault(lambda: aliases.add("xr-dt-alf", "qemu")) == (
        400,
        "DeviceType with name 'qemu' already exists.",
    )
    assert fault(lambda: member.scheduler.device_types.aliases.delete("xr-dt-alf", "a")) == (
        403,
        "No 'admin' permissions for device-type 'xr-dt-alf'.",
    )
    assert fault(lambda: aliases.delete("xr-dt-alf", "xr-dt-alf-nope")) == (
        404,
        "Alias 'xr-dt-alf-nope' was not found.",
    )
    assert fault(lambda: aliases.delete("xr-dt-alf", "kvm-guest")) == (
        -32603,
        f"{INTERNAL}: <Alias: kvm-guest> is not related to <DeviceType: xr-dt-alf>.",
    )
    assert "kvm-guest" in anonymous.scheduler.device_types.aliases.list("qemu")
    assert fault(lambda: anonymous.scheduler.device_types.aliases.list("vis-secret-type")) == (
        404,
        "Device-type 'vis-secret-type' was not found.",
    )
