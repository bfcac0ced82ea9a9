"""auth.users.*, auth.users.groups.*, auth.users.perms.*, auth.groups.*, auth.groups.perms.*:
managing accounts and global permissions as lavacli's users/groups commands do."""

from __future__ import annotations

import uuid
import xmlrpc.client

import pytest

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.xmlrpc import LOGIN_REQUIRED, fault, new_user


def unique(label: str) -> str:
    return f"xr-auth-{label}-{uuid.uuid4().hex[:8]}"


def missing(username: str, permission: str) -> tuple[int, str]:
    return 403, f"User '{username}' is missing permission {permission}."


def test_anonymous_callers_must_authenticate(anonymous):
    assert fault(lambda: anonymous.auth.users.list()) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.auth.users.add("xr-auth-nobody")) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.auth.users.groups.list("vis-owner")) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.auth.users.perms.list("vis-owner")) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.auth.groups.list()) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.auth.groups.perms.list("vis-team")) == LOGIN_REQUIRED


def test_each_method_needs_its_global_permission(outsider):
    def refused(run, permission: str) -> None:
        assert fault(run) == missing("vis-outsider", permission)

    refused(lambda: outsider.auth.users.list(), "auth.view_user")
    refused(lambda: outsider.auth.users.show("vis-owner"), "auth.view_user")
    refused(lambda: outsider.auth.users.add("xr-auth-refused"), "auth.add_user")
    refused(lambda: outsider.auth.users.update("vis-owner", "X"), "auth.change_user")
    refused(lambda: outsider.auth.users.delete("vis-owner"), "auth.change_user")
    refused(lambda: outsider.auth.users.groups.add("vis-owner", "vis-team"), "auth.change_user")
    refused(lambda: outsider.auth.users.groups.delete("vis-member", "vis-team"), "auth.change_user")
    refused(lambda: outsider.auth.users.groups.list("vis-owner"), "auth.view_user")
    refused(
        lambda: outsider.auth.users.perms.add("vis-outsider", "auth", "user", "view_user"),
        "auth.change_user",
    )
    refused(
        lambda: outsider.auth.users.perms.delete("vis-owner", "auth", "user", "view_user"),
        "auth.change_user",
    )
    refused(lambda: outsider.auth.users.perms.list("vis-owner"), "auth.view_user")
    refused(lambda: outsider.auth.groups.add("xr-auth-refused"), "auth.add_group")
    refused(lambda: outsider.auth.groups.delete("vis-team"), "auth.change_group")
    refused(lambda: outsider.auth.groups.list(), "auth.view_group")
    refused(lambda: outsider.auth.groups.show("vis-team"), "auth.view_group")
    refused(
        lambda: outsider.auth.groups.perms.add("vis-team", "auth", "user", "view_user"),
        "auth.change_group",
    )
    refused(
        lambda: outsider.auth.groups.perms.delete("vis-team", "auth", "user", "view_user"),
        "auth.change_group",
    )
    refused(lambda: outsider.auth.groups.perms.list("vis-team"), "auth.view_group")


def test_add_show_list_update_and_delete_a_user(admin):
    username = unique("user")
    assert admin.auth.users.add(username, "Ada", None, "ada@example.org", True, True) is None
    shown = admin.auth.users.show(username)
    assert list(shown) == [
        "date_joined", "email", "first_name", "groups", "permissions", "id", "is_active",
        "is_staff", "is_superuser", "last_login", "last_name", "username",
    ]  # fmt: skip
    assert isinstance(shown["date_joined"], xmlrpc.client.DateTime)
    assert isinstance(shown["id"], int) and shown["last_login"] is None
    assert shown | {"date_joined": None, "id": None} == {
        "date_joined": None,
        "email": "ada@example.org",
        "first_name": "Ada",
        "groups": [],
        "permissions": [],
        "id": None,
        "is_active": True,
        "is_staff": True,
        "is_superuser": False,
        "last_login": None,
        "last_name": "",
        "username": username,
    }
    listed = admin.auth.users.list()
    assert [item["username"] for item in listed] == sorted(item["username"] for item in listed)
    entry = next(item for item in listed if item["username"] == username)
    assert list(entry) == [
        "username", "last_name", "first_name", "is_superuser", "is_staff", "is_active",
    ]  # fmt: skip
    assert entry["first_name"] == "Ada" and entry["is_staff"] is True

    assert admin.auth.users.update(username, None, "Lovelace", None, False, None, True) is None
    shown = admin.auth.users.show(username)
    assert (shown["first_name"], shown["last_name"], shown["email"]) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
    )
    assert (shown["is_active"], shown["is_staff"], shown["is_superuser"]) == (False, True, True)

    assert admin.auth.users.delete(username) is None
    assert fault(lambda: admin.auth.users.show(username)) == (
        404,
        f"User '{username}' was not found.",
    )
    assert fault(lambda: admin.auth.users.delete(username)) == (
        404,
        "Bad request: user does not exists",
    )


def test_user_faults(admin):
    username = unique("faults")
    admin.auth.users.add(username)
    exists = (400, "Bad request: user already exists?")
    assert fault(lambda: admin.auth.users.add(username)) == exists
    assert fault(lambda: admin.auth.users.add("")) == exists
    assert fault(lambda: admin.auth.users.add(unique("x"), None, None, None, "yes")) == exists
    assert fault(lambda: admin.auth.users.add(unique("x"), "n" * 151)) == exists
    assert fault(
        lambda: admin.auth.users.add(unique("x"), None, None, None, True, False, False, True)
    ) == (
        400,
        "Bad request: authentication via LDAP not configured.",
    )
    assert fault(lambda: admin.auth.users.update(username, None, None, None, "no")) == (
        400,
        "Bad request",
    )
    assert fault(lambda: admin.auth.users.update("xr-auth-absent", "X")) == (
        404,
        "User 'xr-auth-absent' was not found.",
    )
    assert fault(lambda: admin.auth.users.show(12345)) == (404, "User '12345' was not found.")
    assert fault(lambda: admin.auth.users.show()) == (
        -32603,
        "Internal Server Error (contact server administrator for details): "
        "UsersAPI.show() missing 1 required positional argument: 'username'",
    )
    assert admin.system.methodHelp("auth.users.add").startswith(
        "Name\n----\n`auth.users.add` (`username`"
    )


def test_a_deactivated_user_cannot_call(lab, admin):
    username, proxy = new_user(lab, admin, "xr-auth-inactive")
    assert proxy.system.whoami() == username
    admin.auth.users.update(username, None, None, None, False)
    with pytest.raises(xmlrpc.client.ProtocolError) as raised:
        proxy.system.whoami()
    assert raised.value.errcode == 401
    admin.auth.users.update(username, None, None, None, True)
    assert proxy.system.whoami() == username


def test_a_user_who_submitted_jobs_is_kept(lab, admin):
    username, proxy = new_user(lab, admin, "xr-auth-submitter")
    device_type = usable_device_type(lab.sync_url)
    job_id = proxy.scheduler.jobs.submit(
        SINGLE.format(device_type=device_type, visibility="public")
    )
    code, text = fault(lambda: admin.auth.users.delete(username))
    assert code == 400 and "submitted jobs" in text
    assert admin.scheduler.jobs.show(job_id)["submitter"] == username
    proxy.scheduler.jobs.cancel(job_id)


def test_user_groups(admin):
    username, group = unique("member"), unique("group")
    admin.auth.users.add(username)
    assert admin.auth.users.groups.add(username, group) is None  # creates the group
    assert admin.auth.users.groups.add(username, "vis-team") is None
    assert admin.auth.users.groups.add(username, group) is None  # already a member
    assert admin.auth.users.groups.list(username) == [group, "vis-team"]
    assert admin.auth.users.show(username)["groups"] == [group, "vis-team"]
    assert admin.auth.groups.show(group)["users"] == [username]
    assert username in admin.auth.groups.show("vis-team")["users"]

    assert admin.auth.users.groups.delete(username, "vis-team") is None
    assert admin.auth.users.groups.delete(username, "vis-team") is None  # not a member: no-op
    assert admin.auth.users.groups.list(username) == [group]
    assert "vis-member" in admin.auth.groups.show("vis-team")["users"]
    assert fault(lambda: admin.auth.users.groups.delete(username, "xr-auth-absent")) == (
        404,
        "Group 'xr-auth-absent' was not found.",
    )
    for run in (
        lambda: admin.auth.users.groups.add("xr-auth-absent", group),
        lambda: admin.auth.users.groups.delete("xr-auth-absent", group),
        lambda: admin.auth.users.groups.list("xr-auth-absent"),
    ):
        assert fault(run) == (404, "User 'xr-auth-absent' was not found.")


def test_groups(admin):
    name = unique("team")
    assert admin.auth.groups.add(name) is None
    assert fault(lambda: admin.auth.groups.add(name)) == (400, "Bad request: group already exists?")
    assert fault(lambda: admin.auth.groups.add("")) == (400, "Bad request: group already exists?")
    names = admin.auth.groups.list()
    assert name in names and "vis-team" in names and names == sorted(names)
    shown = admin.auth.groups.show(name)
    assert list(shown) == ["id", "name", "permissions", "users"]
    assert isinstance(shown["id"], int)
    assert shown | {"id": None} == {"id": None, "name": name, "permissions": [], "users": []}

    assert admin.auth.groups.delete(name) is None
    assert name not in admin.auth.groups.list()
    assert fault(lambda: admin.auth.groups.show(name)) == (404, f"Group '{name}' was not found.")
    assert fault(lambda: admin.auth.groups.delete(name)) == (
        404,
        "Bad request: group does not exists",
    )


def test_user_permissions_grant_rights(lab, admin):
    username, proxy = new_user(lab, admin, "xr-auth-viewer")
    assert fault(lambda: proxy.auth.users.list()) == missing(username, "auth.view_user")

    assert admin.auth.users.perms.add(username, "auth", "user", "view_user") is None
    assert admin.auth.users.perms.add(username, "auth", "user", "view_user") is None
    assert (
        admin.auth.users.perms.add(username, "lava_scheduler_app", "device", "change_device")
        is None
    )
    assert admin.auth.users.perms.list(username) == [
        {"app": "auth", "model": "user", "codename": "view_user"},
        {"app": "lava_scheduler_app", "model": "device", "codename": "change_device"},
    ]
    assert admin.auth.users.show(username)["permissions"] == [
        "auth.user.view_user",
        "lava_scheduler_app.device.change_device",
    ]
    assert username in [item["username"] for item in proxy.auth.users.list()]
    assert proxy.auth.users.perms.list(username)[0]["codename"] == "view_user"
    assert fault(lambda: proxy.auth.users.add(unique("x"))) == missing(username, "auth.add_user")

    assert admin.auth.users.perms.delete(username, "auth", "user", "view_user") is None
    assert fault(lambda: proxy.auth.users.list()) == missing(username, "auth.view_user")
    assert admin.auth.users.perms.list(username) == [
        {"app": "lava_scheduler_app", "model": "device", "codename": "change_device"}
    ]


def test_permission_faults(admin):
    username = unique("perms")
    admin.auth.users.add(username)
    for method in (admin.auth.users.perms.add, admin.auth.users.perms.delete):
        assert fault(method, username, "auth", "nothing", "view_user") == (
            404,
            "Invalid app.model 'auth.nothing'",
        )
        assert fault(method, username, "auth", "user", "fly_user") == (
            404,
            "Invalid permission 'fly_user'",
        )
        assert fault(method, "xr-auth-absent", "auth", "user", "view_user") == (
            404,
            "User 'xr-auth-absent' was not found.",
        )
    assert fault(lambda: admin.auth.users.perms.list("xr-auth-absent")) == (
        404,
        "User 'xr-auth-absent' was not found.",
    )
    for method in (admin.auth.groups.perms.add, admin.auth.groups.perms.delete):
        assert fault(method, "xr-auth-absent", "auth", "user", "view_user") == (
            404,
            "Group 'xr-auth-absent' was not found.",
        )
        assert fault(method, "vis-team", "nowhere", "user", "view_user") == (
            404,
            "Invalid app.model 'nowhere.user'",
        )
    assert fault(lambda: admin.auth.groups.perms.list("xr-auth-absent")) == (
        404,
        "Group 'xr-auth-absent' was not found.",
    )


def test_group_permissions_reach_members(lab, admin):
    username, proxy = new_user(lab, admin, "xr-auth-grouped")
    group = unique("admins")
    admin.auth.groups.add(group)
    assert fault(lambda: proxy.auth.groups.list()) == missing(username, "auth.view_group")
    assert admin.auth.groups.perms.add(group, "auth", "group", "view_group") is None
    assert admin.auth.groups.perms.add(group, "auth", "group", "change_group") is None
    admin.auth.users.groups.add(username, group)

    assert admin.auth.groups.perms.list(group) == [
        {"app": "auth", "model": "group", "codename": "view_group"},
        {"app": "auth", "model": "group", "codename": "change_group"},
    ]
    assert admin.auth.groups.show(group)["permissions"] == [
        "auth.group.view_group",
        "auth.group.change_group",
    ]
    assert admin.auth.users.show(username)["permissions"] == []  # direct permissions only
    assert group in proxy.auth.groups.list()
    assert proxy.auth.groups.perms.delete(group, "auth", "group", "view_group") is None
    assert fault(lambda: proxy.auth.groups.list()) == missing(username, "auth.view_group")
    assert proxy.auth.groups.delete(group) is None  # change_group is still held
    assert admin.auth.users.groups.list(username) == []
