"""scheduler.aliases.*: creating, showing, listing and deleting aliases of device types."""

from __future__ import annotations

import subprocess

import sqlalchemy
from sqlalchemy import select
from sqlalchemy.orm import Session

from gql_server.db.models import ContentType, Permission, User, UserPermission
from tests.conftest import make_token
from tests.support.server import gql_server_command
from tests.support.xmlrpc import LOGIN_REQUIRED as LOGIN
from tests.support.xmlrpc import fault, xmlrpc_proxy


def grant_global(lab, username: str, codename: str) -> None:
    """Give a user a global alias permission (made if the lab lacks it)."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        content_type = session.scalars(
            select(ContentType).where(
                ContentType.app_label == "lava_scheduler_app", ContentType.model == "alias"
            )
        ).first() or ContentType(app_label="lava_scheduler_app", model="alias")
        session.add(content_type)
        session.flush()
        permission = session.scalars(
            select(Permission).where(
                Permission.content_type_id == content_type.id, Permission.codename == codename
            )
        ).first() or Permission(name=codename, codename=codename, content_type_id=content_type.id)
        session.add(permission)
        session.flush()
        user = session.scalars(select(User).where(User.username == username)).one()
        session.add(UserPermission(user_id=user.id, permission_id=permission.id))
        session.commit()
    engine.dispose()


def test_add_show_list_and_delete(admin, anonymous):
    assert admin.scheduler.device_types.add("xr-al-type", None, True, False, 24, "hours") is None
    assert admin.scheduler.aliases.add("xr-al-one", "xr-al-type") is None
    shown = anonymous.scheduler.aliases.show("xr-al-one")
    assert list(shown) == ["name", "device_type"]
    assert shown == {"name": "xr-al-one", "device_type": "xr-al-type"}
    names = anonymous.scheduler.aliases.list()
    assert names == sorted(names) and {"xr-al-one", "kvm-guest"} <= set(names)
    assert anonymous.scheduler.device_types.aliases.list("xr-al-type") == ["xr-al-one"]
    assert admin.scheduler.aliases.delete("xr-al-one") is None
    assert fault(lambda: anonymous.scheduler.aliases.show("xr-al-one")) == (
        404,
        "Alias 'xr-al-one' was not found.",
    )
    assert "xr-al-one" not in anonymous.scheduler.aliases.list()


def test_add_faults(admin, member, anonymous):
    admin.scheduler.device_types.add("xr-al-faults", None, True, False, 24, "hours")
    admin.scheduler.aliases.add("xr-al-taken", "xr-al-faults")
    add = admin.scheduler.aliases.add
    assert fault(lambda: anonymous.scheduler.aliases.add("xr-al-a", "xr-al-faults")) == LOGIN
    assert fault(lambda: member.scheduler.aliases.add("xr-al-a", "xr-al-faults")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.add_alias.",
    )
    assert fault(lambda: add("xr-al-a", "xr-al-nope")) == (
        400,
        "Bad request. DeviceType does not exist",
    )
    assert fault(lambda: add("xr-al-taken", "xr-al-faults")) == (
        404,
        "Alias with this Alias for this device-type already exists.",
    )
    assert fault(lambda: add("qemu", "xr-al-faults")) == (
        404,
        "DeviceType with name 'qemu' already exists.",
    )
    assert fault(lambda: add("", "xr-al-faults")) == (404, "This field cannot be blank.")
    assert fault(lambda: add("a" * 201, "xr-al-faults")) == (
        404,
        "Ensure this value has at most 200 characters (it has 201).",
    )
    assert fault(lambda: add("xr-al-a")) == (
        -32603,
        "Internal Server Error (contact server administrator for details):"
        " SchedulerAliasesAPI.add() missing 1 required positional argument: 'device_type_name'",
    )


def test_delete_faults(admin, member, anonymous):
    assert fault(lambda: anonymous.scheduler.aliases.delete("kvm-guest")) == LOGIN
    assert fault(lambda: member.scheduler.aliases.delete("kvm-guest")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.delete_alias.",
    )
    assert fault(lambda: admin.scheduler.aliases.delete("xr-al-nope")) == (
        404,
        "Alias 'xr-al-nope' was not found.",
    )
    assert anonymous.scheduler.aliases.show("kvm-guest")["device_type"] == "qemu"


def test_aliases_of_hidden_types(admin, anonymous):
    # imx8mq is view-restricted to the demo's secret-project group
    assert anonymous.scheduler.aliases.show("imx8mq-evk") == {
        "name": "imx8mq-evk",
        "device_type": "",
    }
    assert admin.scheduler.aliases.show("imx8mq-evk")["device_type"] == "imx8mq"
    assert "imx8mq-evk" not in anonymous.scheduler.aliases.list()
    assert "imx8mq-evk" in admin.scheduler.aliases.list()


def test_a_global_permission_is_enough_for_visible_types(lab, admin):
    subprocess.run(
        gql_server_command(lab.database_url, "users", "add", "xr-al-keeper"),
        check=True,
        capture_output=True,
    )
    grant_global(lab, "xr-al-keeper", "add_alias")
    keeper = xmlrpc_proxy(
        lab.server.base_url, "xr-al-keeper", make_token(lab.database_url, "xr-al-keeper")
    )
    admin.scheduler.device_types.add("xr-al-kept", None, True, False, 24, "hours")
    assert keeper.scheduler.aliases.add("xr-al-kept-alias", "xr-al-kept") is None
    assert keeper.scheduler.aliases.show("xr-al-kept-alias")["device_type"] == "xr-al-kept"
    assert fault(lambda: keeper.scheduler.aliases.add("xr-al-secret", "vis-secret-type")) == (
        404,
        "Device-type 'vis-secret-type' was not found.",
    )
    assert fault(lambda: keeper.scheduler.aliases.delete("xr-al-kept-alias")) == (
        403,
        "User 'xr-al-keeper' is missing permission lava_scheduler_app.delete_alias.",
    )
