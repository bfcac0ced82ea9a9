"""The older scheduler.* device methods: all_devices, all_device_types, aliases, device status,
recent jobs, maintenance and online modes, device dictionaries and configurations."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import xmlrpc.client

import pytest
import yaml

from gql_server.db.models import Alias, Device, DeviceType, StoredFile, TestJob, Worker
from gql_server.lab.enums import DeviceHealth, DeviceState, JobHealth, JobState
from tests.support.xmlrpc import execute, fault, run_sql, user_id

PREFIX = "xr-legacy"
TYPE = f"{PREFIX}-type"  # devices tests add and change
COUNTED = f"{PREFIX}-counted"  # devices nobody changes
ONLINE = f"{PREFIX}-worker-on"
OFFLINE = f"{PREFIX}-worker-off"
TEMPLATE = f"{PREFIX}-template"
SECRET_DEVICE = "vis-secret-01"
INTERNAL = "Internal Server Error (contact server administrator for details): "
LOGIN = "Authentication with user and token required for this API."
NEW_METHODS = (
    "all_devices", "all_device_types", "get_device_type_by_alias", "get_device_status",
    "get_recent_jobs_for_device", "put_into_maintenance_mode", "put_into_online_mode",
    "get_device_config", "import_device_dictionary", "export_device_dictionary",
    "validate_pipeline_devices",
)  # fmt: skip
COMPLETE_TEMPLATE = (
    "device_type: {{ scheduled_device_type }}\nname: {{ scheduled_device_name }}\n"
    "constants: {port: {{ console_port }}}\nparameters: {}\n"
    "actions: {deploy: {methods: {}}, boot: {connections: {}, methods: {}}}\n"
    "timeouts: {actions: {}, connections: {}}\n"
    "{% if extra %}extra: {{ extra }}\n{% endif %}"
)
_numbers = itertools.count()


def counted(name: str, state: DeviceState, health: DeviceHealth, worker: str = ONLINE) -> Device:
    return Device(
        hostname=f"{PREFIX}-c-{name}",
        device_type_id=COUNTED,
        worker_host_id=worker,
        state=int(state),
        health=int(health),
    )


def finished(lab, description: str, hostname: str, submitter: str, public: bool) -> TestJob:
    when = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    return TestJob(
        description=description, submitter_id=user_id(lab, submitter), is_public=public,
        requested_device_type_id=COUNTED, actual_device_id=hostname, submit_time=when,
        start_time=when, end_time=when, state=int(JobState.FINISHED),
        health=int(JobHealth.COMPLETE),
    )  # fmt: skip


@pytest.fixture(scope="module")
def inventory(lab) -> dict[str, int]:
    """Two types, an online and an offline worker, counted devices in every state, aliases,
    finished jobs on the idle device and a running job on the busy one. Returns job ids."""
    run_sql(
        lab,
        DeviceType(name=TYPE),
        DeviceType(name=COUNTED),
        Worker(hostname=ONLINE, state=0),
        Worker(hostname=OFFLINE, state=1),
        counted("idle", DeviceState.IDLE, DeviceHealth.GOOD),
        counted("busy", DeviceState.RUNNING, DeviceHealth.GOOD),
        counted("bad", DeviceState.IDLE, DeviceHealth.BAD),
        counted("lost", DeviceState.IDLE, DeviceHealth.UNKNOWN, OFFLINE),
        counted("maint", DeviceState.IDLE, DeviceHealth.MAINTENANCE),
        counted("retired", DeviceState.IDLE, DeviceHealth.RETIRED),
        Alias(name=f"{PREFIX}-alias-one", device_type_id=TYPE),
        Alias(name=f"{PREFIX}-alias-two", device_type_id=TYPE),
        Alias(name=f"{PREFIX}-ALIAS-three", device_type_id=COUNTED),
        Alias(name=f"{PREFIX}-alias-secret", device_type_id="vis-secret-type"),
        StoredFile(kind="device_type_template", name=TEMPLATE, content=COMPLETE_TEMPLATE),
    )
    idle = f"{PREFIX}-c-idle"
    jobs = {
        "owner-1": finished(lab, f"{PREFIX} one", idle, "vis-owner", True),
        "member": finished(lab, f"{PREFIX} member", idle, "vis-member", True),
        "owner-2": finished(lab, f"{PREFIX} two", idle, "vis-owner", True),
        "private": finished(lab, f"{PREFIX} private", idle, "vis-owner", False),
    }
    running = TestJob(
        description=f"{PREFIX} running", submitter_id=user_id(lab, "vis-owner"),
        requested_device_type_id=COUNTED, actual_device_id=f"{PREFIX}-c-busy",
        state=int(JobState.RUNNING), start_time=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    run_sql(lab, *jobs.values(), running)
    return {name: job.id for name, job in jobs.items()} | {"running": running.id}


@pytest.fixture
def device(admin, inventory) -> str:
    """A new Good device of this module's changeable type."""
    hostname = f"{PREFIX}-{next(_numbers):02d}"
    admin.scheduler.devices.add(hostname, TYPE, ONLINE, None, None, True, "GOOD")
    return hostname


def test_all_devices_lists_visible_devices_in_service(inventory, admin, anonymous):
    listed = {item[0]: item for item in anonymous.scheduler.all_devices()}
    ours = {name: item for name, item in listed.items() if name.startswith(f"{PREFIX}-c-")}
    assert ours == {
        f"{PREFIX}-c-idle": [f"{PREFIX}-c-idle", COUNTED, "idle", None, True],
        f"{PREFIX}-c-busy": [f"{PREFIX}-c-busy", COUNTED, "running", inventory["running"], True],
        f"{PREFIX}-c-bad": [f"{PREFIX}-c-bad", COUNTED, "offline", None, True],
        f"{PREFIX}-c-lost": [f"{PREFIX}-c-lost", COUNTED, "idle", None, True],
        f"{PREFIX}-c-maint": [f"{PREFIX}-c-maint", COUNTED, "offline", None, True],
    }
    assert SECRET_DEVICE not in listed
    assert SECRET_DEVICE in [item[0] for item in admin.scheduler.all_devices()]


def test_all_device_types_counts_devices_in_service(inventory, admin, anonymous):
    types = {entry["name"]: entry for entry in anonymous.scheduler.all_device_types()}
    assert list(types[COUNTED]) == ["name", "busy", "idle", "offline"]
    assert types[COUNTED] == {"name": COUNTED, "busy": 1, "idle": 1, "offline": 2}
    assert "vis-secret-type" not in types
    names = [entry["name"] for entry in admin.scheduler.all_device_types()]
    assert "vis-secret-type" in names and names == sorted(names)


def test_device_types_by_alias(inventory, admin, anonymous):
    part = f"{PREFIX}-alias"
    assert anonymous.scheduler.get_device_type_by_alias(part) == {part: [TYPE]}
    assert admin.scheduler.get_device_type_by_alias(part) == {part: ["vis-secret-type", TYPE]}
    assert anonymous.scheduler.get_device_type_by_alias("ALIAS-three") == {"ALIAS-three": [COUNTED]}
    assert anonymous.scheduler.get_device_type_by_alias(f"{PREFIX}-nothing%") == {
        f"{PREFIX}-nothing%": []
    }


def test_device_status(inventory, anonymous):
    status = anonymous.scheduler.get_device_status(f"{PREFIX}-c-busy")
    assert list(status) == [
        "hostname",
        "status",
        "job",
        "offline_since",
        "offline_by",
        "is_pipeline",
    ]
    assert status == {
        "hostname": f"{PREFIX}-c-busy", "status": "running", "job": inventory["running"],
        "offline_since": None, "offline_by": None, "is_pipeline": True,
    }  # fmt: skip
    assert anonymous.scheduler.get_device_status(f"{PREFIX}-c-retired")["status"] == "retired"
    assert anonymous.scheduler.get_device_status(f"{PREFIX}-c-bad")["job"] is None
    assert fault(lambda: anonymous.scheduler.get_device_status("")) == (
        400,
        "Bad request: Hostname was not specified.",
    )
    assert fault(lambda: anonymous.scheduler.get_device_status(f"{PREFIX}-none")) == (
        404,
        f"Device '{PREFIX}-none' was not found.",
    )
    assert fault(lambda: anonymous.scheduler.get_device_status(SECRET_DEVICE)) == (
        403,
        f"Permission denied for user to access {SECRET_DEVICE} information.",
    )


def test_recent_jobs_for_device(lab, inventory, admin, member, anonymous):
    idle = f"{PREFIX}-c-idle"
    recent = admin.scheduler.get_recent_jobs_for_device(idle, 3)
    assert recent == [
        {"id": inventory["private"], "description": f"{PREFIX} private", "status": "Complete"},
        {"id": inventory["owner-2"], "description": f"{PREFIX} two", "status": "Complete"},
        {"id": inventory["member"], "description": f"{PREFIX} member", "status": "Complete"},
    ]
    assert [job["id"] for job in anonymous.scheduler.get_recent_jobs_for_device(idle)] == [
        inventory["owner-2"]
    ]
    mine = member.scheduler.get_recent_jobs_for_device(idle, 5, True)
    assert [job["id"] for job in mine] == [inventory["member"]]
    assert admin.scheduler.get_recent_jobs_for_device(idle, 0) == []
    get = anonymous.scheduler.get_recent_jobs_for_device
    assert fault(lambda: get("")) == (400, "Bad request: device was not specified.")
    assert fault(lambda: get(idle, -1)) == (400, "Bad request: count must not be negative.")
    assert fault(lambda: get(idle, "many")) == (400, "Bad request: count must be an integer.")
    assert fault(lambda: get(f"{PREFIX}-none")) == (404, f"Device '{PREFIX}-none' was not found.")
    assert fault(lambda: get(SECRET_DEVICE)) == (
        403,
        f"Device '{SECRET_DEVICE}' not available to user 'AnonymousUser'.",
    )


def device_events(lab, hostname: str) -> list[dict]:
    rows = execute(
        lab,
        "SELECT data FROM gql_server_event WHERE topic LIKE '%.device' AND data LIKE :h"
        " ORDER BY id",
        h=f'%"{hostname}"%',
    )
    return [json.loads(data) for (data,) in rows]


def test_maintenance_and_online_modes(lab, admin, member, anonymous, device):
    assert admin.scheduler.put_into_maintenance_mode(device, "cabling") is None
    assert admin.scheduler.devices.show(device)["health"] == "Maintenance"
    assert admin.scheduler.get_device_status(device)["status"] == "offline"
    assert device_events(lab, device)[-1]["health"] == "Maintenance"
    assert admin.scheduler.put_into_online_mode(device, "fixed", True) is None
    assert admin.scheduler.devices.show(device)["health"] == "Unknown"
    assert device_events(lab, device)[-1]["health"] == "Unknown"

    for mode, put in (
        ("maintenance", lambda p, *a: p.scheduler.put_into_maintenance_mode(*a)),
        ("online", lambda p, *a: p.scheduler.put_into_online_mode(*a)),
    ):
        assert fault(lambda put=put: put(anonymous, "", "")) == (401, LOGIN)
        assert fault(lambda put=put: put(member, device, "why")) == (
            403,
            f"Permission denied for user to put {device} into {mode} mode.",
        )
        assert fault(lambda put=put: put(admin, "", "why")) == (
            400,
            "Bad request: Hostname was not specified.",
        )
        assert fault(lambda put=put: put(admin, device, "")) == (
            400,
            "Bad request: Reason was not specified.",
        )
        assert fault(lambda put=put: put(admin, f"{PREFIX}-none", "why")) == (
            404,
            f"Device '{PREFIX}-none' was not found.",
        )
    assert admin.scheduler.devices.show(device)["health"] == "Unknown"


def test_dictionary_import_export_and_configuration(admin, member, anonymous, device):
    dictionary = f"{{% extends '{TEMPLATE}.jinja2' %}}\n{{% set console_port = 7001 %}}\n"
    no_dictionary = (404, f"Device '{device}' does not have a device dictionary")
    assert fault(lambda: admin.scheduler.export_device_dictionary(device)) == no_dictionary
    assert fault(lambda: admin.scheduler.get_device_config(device))[0] == -32603
    updated = admin.scheduler.import_device_dictionary(device, dictionary)
    assert updated == f"Device dictionary updated for {device}"
    exported = admin.scheduler.export_device_dictionary(device)
    assert exported == xmlrpc.client.Binary(dictionary.encode())

    configuration = yaml.safe_load(anonymous.scheduler.get_device_config(device).data)
    assert configuration["constants"] == {"port": 7001}
    assert (configuration["name"], configuration["device_type"]) == (device, TYPE)
    with_context = admin.scheduler.get_device_config(device, "{extra: usb}").data
    assert yaml.safe_load(with_context)["extra"] == "usb"
    code, text = fault(lambda: admin.scheduler.get_device_config(device, "extra: [unclosed"))
    assert code == 400 and text.startswith("Job context 'extra: [unclosed' is not valid. ")
    assert fault(lambda: admin.scheduler.get_device_config(device, "[1, 2]"))[0] == 400

    admin.scheduler.import_device_dictionary(device, "constants: {}\n")  # sections missing
    assert fault(lambda: admin.scheduler.get_device_config(device)) == (
        -32603,
        f"{INTERNAL}Device '{device}': required key not provided @ data['actions']",
    )
    assert admin.scheduler.import_device_dictionary(device, "") == updated
    assert fault(lambda: admin.scheduler.export_device_dictionary(device)) == no_dictionary


def test_dictionary_and_configuration_faults(admin, member, anonymous, device):
    missing = (-32603, f"{INTERNAL}Device matching query does not exist.")
    assert fault(lambda: admin.scheduler.import_device_dictionary(f"{PREFIX}-none", "x")) == missing
    assert fault(lambda: admin.scheduler.export_device_dictionary(f"{PREFIX}-none")) == missing
    assert fault(lambda: anonymous.scheduler.import_device_dictionary(device, "x")) == (401, LOGIN)
    assert fault(lambda: anonymous.scheduler.export_device_dictionary(device)) == (401, LOGIN)
    assert fault(lambda: member.scheduler.import_device_dictionary(device, "x")) == (
        403,
        f"Permission denied for user to store the configuration for {device} on disk.",
    )
    assert fault(lambda: member.scheduler.export_device_dictionary(device)) == (
        403,
        f"Permission denied for user to retrieve device dictionary for '{device}'.",
    )
    assert fault(lambda: admin.scheduler.import_device_dictionary(device, 5)) == (
        400,
        f"Unable to store the configuration for {device} on disk",
    )
    config = anonymous.scheduler.get_device_config
    assert fault(lambda: config("")) == (400, "Bad request: Device hostname was not specified.")
    assert fault(lambda: config(f"{PREFIX}-none")) == (404, "Specified device was not found.")
    assert fault(lambda: config(SECRET_DEVICE)) == (
        401,
        f"Permission denied for user to device {SECRET_DEVICE}",
    )


def test_validate_pipeline_devices(lab, inventory, admin, anonymous):
    valid = f"{{% extends '{TEMPLATE}.jinja2' %}}\n{{% set console_port = 7002 %}}\n"
    run_sql(
        lab,
        StoredFile(kind="device_dictionary", name=f"{PREFIX}-c-idle", content=valid),
        StoredFile(kind="device_dictionary", name=f"{PREFIX}-c-bad", content="parameters: {}\n"),
    )
    answer = yaml.safe_load(anonymous.scheduler.validate_pipeline_devices(COUNTED).data)
    missing = {"Invalid": "Missing device dictionary"}
    assert answer == {
        f"{PREFIX}-c-idle": {"Valid": None},
        f"{PREFIX}-c-bad": {"Invalid": "required key not provided @ data['actions']"},
        f"{PREFIX}-c-busy": missing,
        f"{PREFIX}-c-lost": missing,
        f"{PREFIX}-c-maint": missing,
    }
    one = anonymous.scheduler.validate_pipeline_devices(f"{PREFIX}-c-idle").data
    assert yaml.safe_load(one) == {f"{PREFIX}-c-idle": {"Valid": None}}
    everything = yaml.safe_load(admin.scheduler.validate_pipeline_devices().data)
    assert f"{PREFIX}-c-idle" in everything and f"{PREFIX}-c-retired" not in everything
    for hidden in (SECRET_DEVICE, f"{PREFIX}-c-retired", f"{PREFIX}-none"):
        assert fault(lambda h=hidden: anonymous.scheduler.validate_pipeline_devices(h)) == (
            404,
            f"No devices found with hostname or device type name {hidden}, visible by the user",
        )


def test_listed_with_help(admin):
    methods = admin.system.listMethods()
    for name in NEW_METHODS:
        assert f"scheduler.{name}" in methods
        text = admin.system.methodHelp(f"scheduler.{name}")
        assert text.startswith(f"Name\n----\n`scheduler.{name}` ("), name
    assert fault(lambda: admin.scheduler.put_into_online_mode("x")) == (
        -32603,
        f"{INTERNAL}SchedulerAPI.put_into_online_mode() missing 1 required positional argument:"
        " 'reason'",
    )
