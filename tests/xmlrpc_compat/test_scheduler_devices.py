"""scheduler.devices.*: adding, showing, listing, updating and deleting devices, their
dictionaries and the permissions groups hold on them."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import xmlrpc.client

import pytest
import yaml

from gql_server.db.models import DeviceType, StoredFile, TestJob, Worker
from gql_server.lab.enums import JobState
from tests.support.xmlrpc import cli, execute, fault, run_sql, xmlrpc_proxy

PREFIX = "xr-devices"
TYPE = f"{PREFIX}-type"
WORKER = f"{PREFIX}-worker"
STAFF = f"{PREFIX}-staff"
GROUP = f"{PREFIX}-group"
TEMPLATE = f"{PREFIX}-template"
SHOW_KEYS = [
    "hostname", "device_type", "health", "state", "health_job", "description", "pipeline",
    "has_device_dict", "worker", "current_job", "tags", "permissions",
]  # fmt: skip
_numbers = itertools.count()


@pytest.fixture(scope="module")
def inventory(lab) -> None:
    """A device type, a worker, a staff user and a group of this module's own."""
    run_sql(lab, DeviceType(name=TYPE), Worker(hostname=WORKER))
    cli(lab, "users", "add", STAFF, "--staff")
    cli(lab, "groups", "add", GROUP, "--member", "vis-outsider")
    return cli(lab, "tokens", "add", "--user", STAFF)


@pytest.fixture
def staff(lab, inventory):
    return xmlrpc_proxy(lab.server.base_url, STAFF, inventory)


@pytest.fixture
def device(admin, inventory) -> str:
    """A new Good device of this module's type and worker."""
    hostname = f"{PREFIX}-{next(_numbers):02d}"
    assert admin.scheduler.devices.add(hostname, TYPE, WORKER, None, None, True, "GOOD") is None
    return hostname


def test_add_show_list_update_and_delete(lab, admin, device):
    shown = admin.scheduler.devices.show(device)
    assert list(shown) == SHOW_KEYS
    assert shown == {
        "hostname": device, "device_type": TYPE, "health": "Good", "state": "Idle",
        "health_job": False, "description": None, "pipeline": True, "has_device_dict": False,
        "worker": WORKER, "current_job": None, "tags": [], "permissions": [],
    }  # fmt: skip
    anonymous = xmlrpc_proxy(lab.server.base_url)
    listed = [item for item in anonymous.scheduler.devices.list() if item["hostname"] == device]
    assert listed == [
        {"hostname": device, "type": TYPE, "health": "Good", "state": "Idle",
         "current_job": None, "pipeline": True}
    ]  # fmt: skip
    hostnames = [item["hostname"] for item in anonymous.scheduler.devices.list(True, True)]
    assert hostnames == sorted(hostnames)

    assert admin.scheduler.devices.update(device, None, None, None, None, "MAINTENANCE") is None
    changes = (None, "vis-member", None, None, None, "bench 3", None, "cabling")
    assert admin.scheduler.devices.update(device, *changes) is None
    shown = admin.scheduler.devices.show(device)
    assert (shown["health"], shown["description"]) == ("Maintenance", "bench 3")
    owner = execute(
        lab,
        "SELECT u.username FROM lava_scheduler_app_device d JOIN auth_user u"
        " ON u.id = d.physical_owner_id WHERE d.hostname = :h",
        h=device,
    )
    assert owner == [("vis-member",)]

    admin.scheduler.devices.update(device, None, None, None, None, "RETIRED")
    assert device not in [item["hostname"] for item in admin.scheduler.devices.list()]
    assert device in [item["hostname"] for item in admin.scheduler.devices.list(True)]
    assert admin.scheduler.devices.show(device)["health"] == "Retired"

    assert admin.scheduler.devices.delete(device) is None
    assert fault(lambda: admin.scheduler.devices.show(device)) == (
        404,
        f"Device '{device}' was not found.",
    )


def test_add_faults(lab, admin, member, device):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    add = admin.scheduler.devices.add
    assert fault(lambda: anonymous.scheduler.devices.add("x", TYPE, WORKER)) == (
        401,
        "Authentication with user and token required for this API.",
    )
    assert fault(lambda: member.scheduler.devices.add("x", TYPE, WORKER)) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.change_device.",
    )
    assert fault(lambda: add("x", "nosuchtype", WORKER)) == (
        404,
        "DeviceType 'nosuchtype' was not found.",
    )
    assert fault(lambda: add("x", TYPE, "nosuchworker")) == (
        404,
        "Worker 'nosuchworker' was not found.",
    )
    assert fault(lambda: add("x", TYPE, WORKER, None, None, True, "Good")) == (
        400,
        "Invalid health",
    )
    for taken in (device, f"{PREFIX}/slash", ""):
        assert fault(lambda h=taken: add(h, TYPE, WORKER)) == (
            400,
            "Bad request: device already exists?",
        )
    assert fault(lambda: add("x", TYPE)) == (
        -32603,
        "Internal Server Error (contact server administrator for details): "
        "SchedulerDevicesAPI.add() missing 1 required positional argument: 'worker_hostname'",
    )


def test_update_checks_everything_before_writing(lab, admin, member, device):
    update = admin.scheduler.devices.update
    assert fault(lambda: update(f"{PREFIX}-none")) == (
        404,
        f"Device '{PREFIX}-none' was not found.",
    )
    for proxy, name in ((member, "vis-member"), (xmlrpc_proxy(lab.server.base_url), None)):
        refused = fault(lambda p=proxy: p.scheduler.devices.update(device, *[None] * 4, "BAD"))
        who = name or "AnonymousUser"
        assert refused == (403, f"User '{who}' needs admin permission on device {device}.")
    faults = {
        (WORKER + "-x",): (404, f"Unable to find worker '{WORKER}-x'"),
        (None, "nobody-here"): (404, "Unable to find username 'nobody-here'"),
        (None, None, None, None, "SICK"): (400, "Health 'SICK' is invalid"),
        (None, None, None, None, "BAD", "new", "nosuchtype"): (
            404,
            "Unable to find device-type 'nosuchtype'",
        ),
    }
    for arguments, expected in faults.items():
        assert fault(lambda a=arguments: update(device, *a)) == expected
    assert update(device, None, None, None, None, None, None, None, None) is None  # 9 arguments
    shown = admin.scheduler.devices.show(device)
    assert (shown["health"], shown["description"], shown["worker"]) == ("Good", None, WORKER)
    assert fault(lambda: update(device, *[None] * 9))[0] == -32603


def test_retiring_cancels_the_current_job_and_deleting_removes_jobs(lab, admin, device):
    submitter = execute(lab, "SELECT id FROM auth_user WHERE username = 'vis-admin'")[0][0]
    started = dt.datetime.now(dt.UTC)
    job = TestJob(
        description=f"{PREFIX} running", submitter_id=submitter, requested_device_type_id=TYPE,
        actual_device_id=device, state=int(JobState.RUNNING), start_time=started,
    )  # fmt: skip
    run_sql(lab, job)
    listed = {item["hostname"]: item for item in admin.scheduler.devices.list()}
    assert listed[device]["current_job"] == job.id
    assert admin.scheduler.devices.show(device)["current_job"] == job.id

    admin.scheduler.devices.update(device, None, None, None, None, "RETIRED")
    shown = admin.scheduler.jobs.show(job.id)
    assert (shown["state"], shown["health"]) == ("Canceling", "Unknown")
    events = execute(
        lab,
        "SELECT data FROM gql_server_event WHERE topic LIKE '%.device' AND data LIKE :h",
        h=f'%"{device}"%',
    )
    assert {"health": "Retired", "device": device, "job": job.id}.items() <= json.loads(
        events[-1][0]
    ).items()

    member = xmlrpc_proxy(lab.server.base_url, "vis-member", lab.tokens["vis-member"])
    assert fault(lambda: member.scheduler.devices.delete(device)) == (
        403,
        "User 'vis-member' is missing permission lava_scheduler_app.delete_device.",
    )
    admin.scheduler.devices.delete(device)
    assert fault(lambda: admin.scheduler.jobs.show(job.id)) == (
        404,
        f"Job '{job.id}' was not found.",
    )
    assert fault(lambda: admin.scheduler.devices.delete(device)) == (
        404,
        f"Device '{device}' was not found.",
    )


def test_dictionary_raw_and_rendered(lab, admin, member, device):
    dictionary = f"{{% extends '{TEMPLATE}.jinja2' %}}\n{{% set console_port = 7001 %}}\n"
    template = (
        "device_type: {{ scheduled_device_type }}\nname: {{ scheduled_device_name }}\n"
        "port: {{ console_port }}\n{% if extra %}\nextra: {{ extra }}\n{% endif %}\n"
    )
    run_sql(
        lab,
        StoredFile(kind="device_type_template", name=TEMPLATE, content=template),
        StoredFile(kind="health_check", name=TEMPLATE, content="job_name: health\n"),
    )
    get = admin.scheduler.devices.get_dictionary
    assert fault(lambda: get(device)) == (404, f"Device '{device}' does not have a configuration")
    assert fault(lambda: member.scheduler.devices.set_dictionary(device, dictionary)) == (
        403,
        f"User 'vis-member' needs admin permission on device {device}.",
    )
    assert admin.scheduler.devices.set_dictionary(device, dictionary) is True
    assert admin.scheduler.devices.set_dictionary(device, 5) is False
    assert get(device) == xmlrpc.client.Binary(dictionary.encode())
    shown = admin.scheduler.devices.show(device)
    assert (shown["has_device_dict"], shown["health_job"]) == (True, True)

    rendered = yaml.safe_load(get(device, True).data)
    assert rendered == {"device_type": TYPE, "name": device, "port": 7001}
    assert yaml.safe_load(get(device, True, "extra: usb").data)["extra"] == "usb"
    code, text = fault(lambda: get(device, True, "extra: [unclosed"))
    assert code == 400 and text.startswith("Job Context 'extra: [unclosed' is not valid: ")

    admin.scheduler.devices.set_dictionary(device, "{% extends 'nosuch.jinja2' %}\n")
    assert fault(lambda: get(device, True)) == (
        404,
        f"Device '{device}' does not have a configuration",
    )
    assert admin.scheduler.devices.set_dictionary(device, "") is True
    assert admin.scheduler.devices.show(device)["has_device_dict"] is False
    assert fault(lambda: get(f"{PREFIX}-none")) == (404, f"Device '{PREFIX}-none' was not found.")


def test_group_permissions_restrict_and_are_listed(lab, admin, member, staff, device):
    outsider = xmlrpc_proxy(lab.server.base_url, "vis-outsider", lab.tokens["vis-outsider"])
    assert staff.scheduler.devices.perms_add(device, GROUP, "view_device") is None
    assert staff.scheduler.devices.perms_add(device, GROUP, "view_device") is None
    staff.scheduler.devices.perms_add(device, GROUP, "lava_scheduler_app.change_device")
    expected = [{"name": "view_device", "group": GROUP}, {"name": "change_device", "group": GROUP}]
    assert staff.scheduler.devices.perms_list(device) == expected
    assert outsider.scheduler.devices.show(device)["permissions"] == expected

    assert fault(lambda: member.scheduler.devices.show(device)) == (
        403,
        f"Device '{device}' not available to user 'vis-member'.",
    )
    assert fault(lambda: member.scheduler.devices.get_dictionary(device)) == (
        403,
        f"Device '{device}' not available to user 'vis-member'.",
    )
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert device not in [item["hostname"] for item in anonymous.scheduler.devices.list()]
    assert device in [item["hostname"] for item in outsider.scheduler.devices.list()]
    outsider.scheduler.devices.update(device, None, None, None, None, None, "changed by group")
    assert admin.scheduler.devices.show(device)["description"] == "changed by group"

    assert staff.scheduler.devices.perms_delete(device, GROUP, "view_device") is None
    assert staff.scheduler.devices.perms_delete(device, GROUP, "no_such_perm") is None
    assert staff.scheduler.devices.perms_list(device) == expected[1:]
    assert member.scheduler.devices.show(device)["hostname"] == device


def test_permission_method_faults(lab, admin, member, staff, device):
    perms = staff.scheduler.devices
    assert fault(lambda: perms.perms_add(device, GROUP, "view_devicetype")) == (
        -32603,
        "Internal Server Error (contact server administrator for details): "
        "Please use existing permission codename",
    )
    assert fault(lambda: perms.perms_add(device, "nosuchgroup", "view_device")) == (
        404,
        "Group 'nosuchgroup' was not found.",
    )
    assert fault(lambda: perms.perms_delete(f"{PREFIX}-none", GROUP, "view_device")) == (
        404,
        f"Device '{PREFIX}-none' was not found.",
    )
    assert fault(lambda: perms.perms_list(f"{PREFIX}-none"))[0] == 404
    assert fault(lambda: admin.scheduler.devices.perms_list(device)) == (403, "forbidden")
    assert fault(lambda: member.scheduler.devices.perms_add(device, GROUP, "view_device")) == (
        403,
        "forbidden",
    )
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert fault(lambda: anonymous.scheduler.devices.perms_list(device)) == (
        401,
        "Authentication with user and token required for this API.",
    )
    assert perms.perms_list(device) == []


def test_help_texts(admin):
    for name in ("add", "list", "show", "update", "delete", "get_dictionary", "perms_list"):
        text = admin.system.methodHelp(f"scheduler.devices.{name}")
        assert text.startswith(f"Name\n----\n`scheduler.devices.{name}` ("), name


def test_owner_is_unchanged_without_user_name(lab, admin, device):
    admin.scheduler.devices.update(device, None, "vis-owner")
    admin.scheduler.devices.update(device, None, None, None, None, "BAD")
    owners = execute(
        lab,
        "SELECT physical_owner_id FROM lava_scheduler_app_device WHERE hostname = :h",
        h=device,
    )
    expected = execute(lab, "SELECT id FROM auth_user WHERE username = 'vis-owner'")
    assert owners == expected  # the owner survives unrelated updates


def test_a_deleted_device_is_gone_for_the_rest_of_a_multicall(admin, device):
    answers = admin.system.multicall(
        [
            {"methodName": "scheduler.devices.show", "params": [device]},
            {"methodName": "scheduler.devices.delete", "params": [device]},
            {"methodName": "scheduler.devices.show", "params": [device]},
            {"methodName": "scheduler.devices.tags.list", "params": [device]},
        ]
    )
    assert answers[0][0]["hostname"] == device and answers[1] == [None]
    gone = {"faultCode": 404, "faultString": f"Device '{device}' was not found."}
    assert answers[2:] == [gone, gone]
