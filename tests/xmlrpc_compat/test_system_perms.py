"""system.set_user_groups and system.assign/revoke_perm_device(_type): LAVA's older ways of
managing group memberships and per-object group permissions; and the whole catalogue."""

from __future__ import annotations

import pytest

from gql_server.db.models import Device, DeviceType
from tests.support.xmlrpc import cli, fault, run_sql, xmlrpc_proxy

PREFIX = "xr-sysperms"
TYPE = f"{PREFIX}-type"
DEVICE = f"{PREFIX}-01"
STAFF = f"{PREFIX}-staff"
TARGET = f"{PREFIX}-target"
EMAIL = f"{TARGET}@example.org"
TWIN_EMAIL = f"{PREFIX}-twin@example.org"
GROUPS = (f"{PREFIX}-group-a", f"{PREFIX}-group-b")
INTERNAL = "Internal Server Error (contact server administrator for details): "
LOGIN = "Authentication with user and token required for this API."
LAVA_MASTER_METHODS = 134
NEW_METHODS = (
    "set_user_groups", "assign_perm_device_type", "revoke_perm_device_type",
    "assign_perm_device", "revoke_perm_device",
)  # fmt: skip


@pytest.fixture(scope="module")
def staff_token(lab) -> str:
    """A device type with a device, groups, a staff user (no permissions) and the users whose
    groups are set. Returns the staff user's token."""
    run_sql(lab, DeviceType(name=TYPE), Device(hostname=DEVICE, device_type_id=TYPE, health=0))
    for group in GROUPS:
        cli(lab, "groups", "add", group)
    cli(lab, "users", "add", STAFF, "--staff")
    cli(lab, "users", "add", TARGET, "--email", EMAIL)
    for twin in ("twin-1", "twin-2"):
        cli(lab, "users", "add", f"{PREFIX}-{twin}", "--email", TWIN_EMAIL)
    return cli(lab, "tokens", "add", "--user", STAFF)


@pytest.fixture
def staff(lab, staff_token):
    return xmlrpc_proxy(lab.server.base_url, STAFF, staff_token)


@pytest.fixture
def admin(lab, staff_token):
    return xmlrpc_proxy(lab.server.base_url, "vis-admin", lab.tokens["vis-admin"])


def test_the_catalogue_is_lava_masters(admin):
    methods = admin.system.listMethods()
    assert len(methods) == LAVA_MASTER_METHODS == len(set(methods))
    assert "system.pipeline_network_map" not in methods
    for name in NEW_METHODS:
        assert f"system.{name}" in methods
        assert admin.system.methodHelp(f"system.{name}").startswith(
            f"Name\n----\n`system.{name}` ("
        )


def test_set_user_groups_replaces_the_groups(admin, staff):
    first, second = GROUPS
    assert staff.system.set_user_groups(EMAIL, [first, f"{PREFIX}-no-such-group"]) is None
    assert admin.auth.users.groups.list(TARGET) == [first]
    staff.system.set_user_groups(EMAIL, [second, first])
    assert sorted(admin.auth.users.groups.list(TARGET)) == [first, second]
    staff.system.set_user_groups(EMAIL, [second])
    assert admin.auth.users.groups.list(TARGET) == [second]
    staff.system.set_user_groups(EMAIL, [])
    assert admin.auth.users.groups.list(TARGET) == []


def test_set_user_groups_faults(admin, staff, anonymous):
    assert fault(lambda: anonymous.system.set_user_groups(EMAIL, [])) == (401, LOGIN)
    assert fault(lambda: admin.system.set_user_groups(EMAIL, [])) == (403, "forbidden")
    assert fault(lambda: staff.system.set_user_groups(TARGET, [])) == (
        400,
        "please use an existing user",
    )
    assert fault(lambda: staff.system.set_user_groups(EMAIL, GROUPS[0])) == (
        400,
        "groups must be a list",
    )
    assert fault(lambda: staff.system.set_user_groups(TWIN_EMAIL, [GROUPS[0]])) == (
        400,
        f"more than one user has the e-mail address '{TWIN_EMAIL}'",
    )
    assert admin.auth.users.groups.list(f"{PREFIX}-twin-1") == []


def test_device_type_permissions(admin, member, anonymous):
    group = GROUPS[0]
    assert admin.system.assign_perm_device_type("view_devicetype", TYPE, group) is None
    assert admin.system.assign_perm_device_type("view_devicetype", TYPE, group) is None
    admin.system.assign_perm_device_type("lava_scheduler_app.submit_to_devicetype", TYPE, group)
    assert admin.scheduler.device_types.show(TYPE)["permissions"] == [
        {"name": "view_devicetype", "group": group},
        {"name": "submit_to_devicetype", "group": group},
    ]
    assert fault(lambda: anonymous.scheduler.device_types.show(TYPE))[0] == 404

    assert admin.system.revoke_perm_device_type("view_devicetype", TYPE, group) is None
    assert admin.system.revoke_perm_device_type("no_such_codename", TYPE, group) is None
    assert admin.scheduler.device_types.show(TYPE)["permissions"] == [
        {"name": "submit_to_devicetype", "group": group}
    ]
    assert anonymous.scheduler.device_types.show(TYPE)["name"] == TYPE
    admin.system.revoke_perm_device_type("submit_to_devicetype", TYPE, group)
    assert admin.scheduler.device_types.show(TYPE)["permissions"] == []


def _check_permission_faults(proxies, method, codename, target, group, messages):
    """The faults both verbs of ``system.<verb>_<method>`` give: not logged in, no right to
    change the object (``messages[0]``), a name that is no string (``messages[1]``), an
    unknown group, and an unknown object (``messages[2]``)."""
    admin, member, staff, anonymous = proxies
    change, bad_name, missing = messages
    for verb in ("assign", "revoke"):

        def call(proxy, *arguments, verb=verb):
            return getattr(proxy.system, f"{verb}_{method}")(*arguments)

        assert fault(lambda c=call: c(anonymous, codename, target, group)) == (401, LOGIN)
        for proxy, name in ((member, "vis-member"), (staff, STAFF)):
            assert fault(lambda c=call, p=proxy: c(p, codename, target, group)) == (
                403,
                f"User '{name}' is missing permission lava_scheduler_app.{change}.",
            )
        assert fault(lambda c=call: c(admin, codename, 5, group)) == (400, bad_name)
        assert fault(lambda c=call: c(admin, codename, target, f"{PREFIX}-none")) == (
            400,
            "please use existing group name",
        )
        assert fault(lambda c=call: c(admin, codename, f"{PREFIX}-none", group)) == (
            400,
            missing,
        )


def test_device_type_permission_faults(admin, member, staff, anonymous):
    group = GROUPS[0]
    _check_permission_faults(
        (admin, member, staff, anonymous),
        "perm_device_type",
        "view_devicetype",
        TYPE,
        group,
        (
            "change_devicetype",
            "device_type name must be a string",
            "please use existing device type name",
        ),
    )
    assign = admin.system.assign_perm_device_type
    for codename in ("fly", "view_device"):
        assert fault(lambda c=codename: assign(c, TYPE, group)) == (
            -32603,
            f"{INTERNAL}Please use existing permission codename",
        )
    assert admin.scheduler.device_types.show(TYPE)["permissions"] == []


def test_device_permissions(admin, member):
    group = GROUPS[1]
    assert admin.system.assign_perm_device("view_device", DEVICE, group) is None
    assert admin.system.assign_perm_device("view_device", DEVICE, group) is None
    admin.system.assign_perm_device("lava_scheduler_app.change_device", DEVICE, group)
    assert admin.scheduler.devices.show(DEVICE)["permissions"] == [
        {"name": "view_device", "group": group},
        {"name": "change_device", "group": group},
    ]
    assert fault(lambda: member.scheduler.devices.show(DEVICE)) == (
        403,
        f"Device '{DEVICE}' not available to user 'vis-member'.",
    )
    assert admin.system.revoke_perm_device("view_device", DEVICE, group) is None
    assert admin.system.revoke_perm_device("no_such_codename", DEVICE, group) is None
    assert admin.scheduler.devices.show(DEVICE)["permissions"] == [
        {"name": "change_device", "group": group}
    ]
    assert member.scheduler.devices.show(DEVICE)["hostname"] == DEVICE
    admin.system.revoke_perm_device("change_device", DEVICE, group)
    assert admin.scheduler.devices.show(DEVICE)["permissions"] == []


def test_device_permission_faults(admin, member, staff, anonymous):
    group = GROUPS[1]
    _check_permission_faults(
        (admin, member, staff, anonymous),
        "perm_device",
        "view_device",
        DEVICE,
        group,
        (
            "change_device",
            "device argument must be a string",
            "please use existing device hostname",
        ),
    )
    assert fault(lambda: admin.system.assign_perm_device("view_devicetype", DEVICE, group)) == (
        -32603,
        f"{INTERNAL}Please use existing permission codename",
    )
    assert admin.scheduler.devices.show(DEVICE)["permissions"] == []
