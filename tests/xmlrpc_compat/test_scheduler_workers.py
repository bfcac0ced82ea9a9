"""scheduler.workers.*: adding, showing, listing, updating and deleting workers, their
configuration files, and lavacli's `workers` commands against them."""

from __future__ import annotations

import json
import subprocess
import sys
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
import yaml
from sqlalchemy.orm import Session

from gql_server.db.models import (
    Device,
    EventRecord,
    Group,
    GroupWorkerPermission,
    User,
    UserPermission,
)
from gql_server.lab.enums import DeviceHealth
from tests.conftest import make_token
from tests.support.scenario import _permission
from tests.support.xmlrpc import fault, xmlrpc_proxy

SHOW_KEYS = [
    "hostname", "description", "state", "health", "devices", "last_ping", "job_limit",
    "version", "default_config", "default_env", "default_env_dut",
]  # fmt: skip
OPERATOR = "xr-workers-operator"
OPERATOR_PERMISSIONS = ("add_worker", "change_worker", "delete_worker")
FILES = [
    ("config", "Worker '{}' does not have a dispatcher configuration", "config"),
    ("env", "Worker '{}' does not have an env file", "env"),
    ("env_dut", "Worker '{}' does not have an env-dut file", "DUT env"),
]


@pytest.fixture
def database(lab) -> Iterator[sqlalchemy.Engine]:
    engine = sqlalchemy.create_engine(lab.sync_url)
    yield engine
    engine.dispose()


@pytest.fixture
def operator(lab, database):
    """A user holding the global worker permissions, not a superuser."""
    token = make_token(lab.database_url, OPERATOR)
    with Session(database) as session:
        user = session.scalars(sqlalchemy.select(User).where(User.username == OPERATOR)).one()
        held = set(
            session.scalars(
                sqlalchemy.select(UserPermission.permission_id).where(
                    UserPermission.user_id == user.id
                )
            )
        )
        for codename in OPERATOR_PERMISSIONS:
            permission = _permission(session, codename, "worker")
            if permission.id not in held:
                session.add(UserPermission(user_id=user.id, permission_id=permission.id))
        session.commit()
    return xmlrpc_proxy(lab.server.base_url, OPERATOR, token)


def attach_device(
    database: sqlalchemy.Engine, hostname: str, worker: str, device_type: str = "vis-public-type"
) -> None:
    with Session(database) as session:
        session.add(
            Device(
                hostname=hostname,
                device_type_id=device_type,
                worker_host_id=worker,
                health=int(DeviceHealth.GOOD),
            )
        )
        session.commit()


def device_row(database: sqlalchemy.Engine, hostname: str) -> Device:
    with Session(database) as session:
        return session.get(Device, hostname)


def last_event_id(database: sqlalchemy.Engine) -> int:
    with Session(database) as session:
        return session.scalar(sqlalchemy.select(sqlalchemy.func.max(EventRecord.id))) or 0


def events_since(database: sqlalchemy.Engine, after: int) -> list[tuple[str, dict]]:
    """(topic suffix, payload) of the outbox events recorded after event ``after``."""
    with Session(database) as session:
        rows = session.execute(
            sqlalchemy.select(EventRecord.topic, EventRecord.data)
            .where(EventRecord.id > after)
            .order_by(EventRecord.id)
        )
        return [(topic.rpartition(".")[2], json.loads(data)) for topic, data in rows]


def test_add_show_list_and_delete(lab, admin, member, anonymous):
    admin.scheduler.workers.add("xr-workers-a", "rack 3")
    admin.scheduler.workers.add("xr-workers-b", None, True)
    shown = admin.scheduler.workers.show("xr-workers-a")
    assert list(shown) == [*SHOW_KEYS, "token"]
    assert shown["hostname"] == "xr-workers-a" and shown["description"] == "rack 3"
    assert (shown["state"], shown["health"]) == ("Offline", "Active")
    assert shown["devices"] == [] and shown["job_limit"] == 0 and shown["version"] is None
    assert isinstance(shown["last_ping"], xmlrpc.client.DateTime)
    assert shown["default_config"] and shown["default_env"] and shown["default_env_dut"]
    assert isinstance(shown["token"], str) and len(shown["token"]) == 32
    assert list(member.scheduler.workers.show("xr-workers-a")) == SHOW_KEYS
    assert anonymous.scheduler.workers.show("xr-workers-b")["health"] == "Retired"

    listed = anonymous.scheduler.workers.list()
    assert listed == sorted(listed) and "xr-workers-a" in listed
    assert "xr-workers-b" not in listed
    everything = anonymous.scheduler.workers.list(True)
    assert everything == sorted(everything) and {"xr-workers-a", "xr-workers-b"} <= set(everything)

    for taken in ("xr-workers-a", "xr-workers/slash", ""):
        assert fault(lambda name=taken: admin.scheduler.workers.add(name)) == (
            400,
            "Bad request: worker already exists?",
        )
    for name in ("xr-workers-a", "xr-workers-b"):
        assert admin.scheduler.workers.delete(name) is None
    assert fault(lambda: anonymous.scheduler.workers.show("xr-workers-a")) == (
        404,
        "Worker 'xr-workers-a' was not found.",
    )
    assert fault(lambda: admin.scheduler.workers.delete("xr-workers-a")) == (
        404,
        "Worker 'xr-workers-a' was not found.",
    )
    assert "xr-workers-b" not in anonymous.scheduler.workers.list(True)


def test_adding_emits_the_worker_event(admin, database):
    before = last_event_id(database)
    admin.scheduler.workers.add("xr-workers-new")
    assert events_since(database, before) == [
        ("worker", {"hostname": "xr-workers-new", "health": "Active", "state": "Offline"})
    ]
    admin.scheduler.workers.delete("xr-workers-new")


def test_changes_need_global_permissions(lab, admin, member, operator, anonymous):
    admin.scheduler.workers.add("xr-workers-perm")
    calls = {
        "add_worker": lambda proxy: proxy.scheduler.workers.add("xr-workers-other"),
        "change_worker": lambda proxy: proxy.scheduler.workers.update("xr-workers-perm", "x"),
        "delete_worker": lambda proxy: proxy.scheduler.workers.delete("xr-workers-perm"),
    }
    for codename, run in calls.items():
        assert fault(lambda r=run: r(anonymous)) == (
            401,
            "Authentication with user and token required for this API.",
        )
        assert fault(lambda r=run: r(member)) == (
            403,
            f"User 'vis-member' is missing permission lava_scheduler_app.{codename}.",
        )
    assert fault(lambda: member.scheduler.workers.set_env("xr-workers-perm", "a: 1")) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.change_worker.",
    )
    operator.scheduler.workers.add("xr-workers-other", "by the operator")
    operator.scheduler.workers.update("xr-workers-other", "changed")
    assert member.scheduler.workers.show("xr-workers-other")["description"] == "changed"
    assert operator.scheduler.workers.set_config("xr-workers-other", "a: 1") is True
    for name in ("xr-workers-other", "xr-workers-perm"):
        operator.scheduler.workers.delete(name)
    assert "xr-workers-other" not in member.scheduler.workers.list(True)


def test_update_fields_and_faults(admin):
    admin.scheduler.workers.add("xr-workers-up", "before")
    assert admin.scheduler.workers.update("xr-workers-up", "after", None, 4) is None
    shown = admin.scheduler.workers.show("xr-workers-up")
    assert (shown["description"], shown["job_limit"]) == ("after", 4)
    assert fault(lambda: admin.scheduler.workers.update("xr-workers-up", "lost", "SICK")) == (
        400,
        "Invalid health: SICK",
    )
    for limit in (-1, "3", True):
        assert fault(
            lambda li=limit: admin.scheduler.workers.update("xr-workers-up", "lost", None, li)
        ) == (400, "Invalid job limit")
    assert admin.scheduler.workers.show("xr-workers-up")["description"] == "after"
    assert fault(lambda: admin.scheduler.workers.update("xr-workers-nope", "x")) == (
        404,
        "Worker 'xr-workers-nope' was not found.",
    )
    admin.scheduler.workers.delete("xr-workers-up")


def test_health_cascades_to_devices_with_events(admin, database):
    admin.scheduler.workers.add("xr-workers-cascade")
    attach_device(database, "xr-workers-cascade-01", "xr-workers-cascade")
    before = last_event_id(database)
    admin.scheduler.workers.update("xr-workers-cascade", None, "MAINTENANCE")
    assert events_since(database, before) == [
        ("worker", {"hostname": "xr-workers-cascade", "health": "Maintenance", "state": "Offline"})
    ]
    assert device_row(database, "xr-workers-cascade-01").health == DeviceHealth.GOOD

    before = last_event_id(database)
    admin.scheduler.workers.update("xr-workers-cascade", None, "ACTIVE")
    events = events_since(database, before)
    assert [(kind, data["health"]) for kind, data in events] == [
        ("device", "Unknown"),
        ("worker", "Active"),
    ]
    assert events[0][1]["device"] == "xr-workers-cascade-01"
    admin.scheduler.workers.update("xr-workers-cascade", None, "RETIRED")
    assert device_row(database, "xr-workers-cascade-01").health == DeviceHealth.RETIRED
    shown = admin.scheduler.workers.show("xr-workers-cascade")
    assert shown["health"] == "Retired" and shown["devices"] == ["xr-workers-cascade-01"]

    admin.scheduler.workers.delete("xr-workers-cascade")
    assert device_row(database, "xr-workers-cascade-01").worker_host_id is None


@pytest.mark.parametrize(("suffix", "missing", "label"), FILES, ids=[f[0] for f in FILES])
def test_configuration_files(lab, admin, member, anonymous, suffix, missing, label):
    hostname = f"xr-workers-{suffix.replace('_', '-')}"
    admin.scheduler.workers.add(hostname)
    get = getattr(member.scheduler.workers, f"get_{suffix}")
    put = getattr(admin.scheduler.workers, f"set_{suffix}")
    default_key = {"config": "default_config", "env": "default_env"}.get(suffix, "default_env_dut")
    assert fault(lambda: get(hostname)) == (404, missing.format(hostname))

    text = "overrides:\n  LC_ALL: C.UTF-8\n  ÉTÉ: oui\n"
    assert put(hostname, text) is True
    assert get(hostname) == xmlrpc.client.Binary(text.encode())
    assert member.scheduler.workers.show(hostname)[default_key] is False
    assert anonymous.scheduler.workers.show(hostname)[default_key] is False

    assert fault(lambda: put(hostname, "a: [1,")) == (
        400,
        f"Invalid YAML syntax in '{hostname}' {label}: a: [1,",
    )
    assert get(hostname) == xmlrpc.client.Binary(text.encode())
    assert put(hostname, "") is True
    assert fault(lambda: get(hostname)) == (404, missing.format(hostname))
    assert member.scheduler.workers.show(hostname)[default_key] is True

    for bad in ("a/b", "", "."):
        assert fault(lambda b=bad: get(b)) == (400, "Invalid worker name")
        assert fault(lambda b=bad: put(b, "a: 1")) == (400, "Invalid worker name")
    assert fault(lambda: get("xr-workers-nope")) == (404, "Worker 'xr-workers-nope' was not found.")
    assert fault(lambda: put("xr-workers-nope", "a: 1")) == (
        404,
        "Worker 'xr-workers-nope' was not found.",
    )
    admin.scheduler.workers.delete(hostname)


@pytest.fixture
def hidden_worker(lab, admin, database) -> Iterator[str]:
    """A worker only the group vis-team (vis-member's) may see."""
    admin.scheduler.workers.add("xr-workers-hidden")
    with Session(database) as session:
        team = session.scalars(sqlalchemy.select(Group).where(Group.name == "vis-team")).one()
        session.add(
            GroupWorkerPermission(
                permission_id=_permission(session, "view_worker", "worker").id,
                group_id=team.id,
                worker_id="xr-workers-hidden",
            )
        )
        session.commit()
    admin.scheduler.workers.set_config("xr-workers-hidden", "a: 1")  # a write: grants reloaded
    yield "xr-workers-hidden"
    admin.scheduler.workers.delete("xr-workers-hidden")


def test_hidden_worker(lab, member, outsider, anonymous, hidden_worker):
    for proxy, username in ((outsider, "vis-outsider"), (anonymous, "AnonymousUser")):
        denied = (403, f"Worker '{hidden_worker}' not available to user '{username}'.")
        assert fault(lambda p=proxy: p.scheduler.workers.show(hidden_worker)) == denied
        assert fault(lambda p=proxy: p.scheduler.workers.get_config(hidden_worker)) == denied
        assert hidden_worker not in proxy.scheduler.workers.list(True)
    assert member.scheduler.workers.show(hidden_worker)["hostname"] == hidden_worker
    assert member.scheduler.workers.get_config(hidden_worker).data == b"a: 1"
    assert hidden_worker in member.scheduler.workers.list()


def test_argument_faults(admin):
    assert fault(lambda: admin.scheduler.workers.show()) == (
        -32603,
        "Internal Server Error (contact server administrator for details): "
        "SchedulerWorkersAPI.show() missing 1 required positional argument: 'hostname'",
    )
    assert fault(lambda: admin.scheduler.workers.list(True, 1)) == (
        -32603,
        "Internal Server Error (contact server administrator for details): "
        "SchedulerWorkersAPI.list() takes from 1 to 2 positional arguments but 3 were given",
    )


def lavacli(lab, username: str, *args: str) -> str:
    """Run lavacli against the lab as ``username``; its standard output."""
    scheme, _, host = lab.server.base_url.partition("://")
    uri = f"{scheme}://{username}:{lab.tokens[username]}@{host}/RPC2"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lavacli"), "--uri", uri, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_lavacli_workers_commands(lab, admin):
    admin.scheduler.workers.add("xr-workers-cli", "from lavacli")
    assert "* xr-workers-cli\n" in lavacli(lab, "vis-admin", "workers", "list")
    lavacli(
        lab, "vis-admin", "workers", "update", "xr-workers-cli",
        "--health", "MAINTENANCE", "--job-limit", "2", "--description", "updated",
    )  # fmt: skip
    printed = lavacli(lab, "vis-member", "workers", "show", "xr-workers-cli")
    assert "health      : Maintenance\n" in printed
    assert "job limit   : 2\n" in printed and "version     : None\n" in printed
    assert "description : updated\n" in printed and "token" not in printed
    as_yaml = yaml.safe_load(
        lavacli(lab, "vis-admin", "workers", "show", "xr-workers-cli", "--yaml")
    )
    assert as_yaml["hostname"] == "xr-workers-cli" and len(as_yaml["token"]) == 32
    assert isinstance(as_yaml["last_ping"], str) and as_yaml["last_ping"][8] == "T"
    lavacli(lab, "vis-admin", "workers", "update", "xr-workers-cli", "--health", "RETIRED")
    assert "xr-workers-cli" not in lavacli(lab, "vis-member", "workers", "list")
    assert "* xr-workers-cli\n" in lavacli(lab, "vis-member", "workers", "list", "--all")
    admin.scheduler.workers.delete("xr-workers-cli")


def test_show_lists_only_visible_devices(lab, admin, member, database):
    admin.scheduler.workers.add("xr-workers-mixed")
    attach_device(database, "xr-workers-mixed-01", "xr-workers-mixed")
    attach_device(database, "xr-workers-mixed-00", "xr-workers-mixed", "vis-secret-type")
    admin.scheduler.workers.update("xr-workers-mixed", "mixed")  # a write: grants reloaded
    secret = xmlrpc_proxy(lab.server.base_url, "vis-secret", lab.tokens["vis-secret"])
    both = ["xr-workers-mixed-00", "xr-workers-mixed-01"]
    assert admin.scheduler.workers.show("xr-workers-mixed")["devices"] == both
    assert secret.scheduler.workers.show("xr-workers-mixed")["devices"] == both
    assert member.scheduler.workers.show("xr-workers-mixed")["devices"] == both[1:]
    admin.scheduler.workers.delete("xr-workers-mixed")


def test_multicall_sees_each_change(admin):
    answers = admin.system.multicall(
        [
            {"methodName": "scheduler.workers.add", "params": ["xr-workers-multi"]},
            {"methodName": "scheduler.workers.update", "params": ["xr-workers-multi", "d"]},
            {"methodName": "scheduler.workers.delete", "params": ["xr-workers-multi"]},
            {"methodName": "scheduler.workers.show", "params": ["xr-workers-multi"]},
        ]
    )
    assert answers[:3] == [[None], [None], [None]]
    assert answers[3] == {
        "faultCode": 404,
        "faultString": "Worker 'xr-workers-multi' was not found.",
    }
