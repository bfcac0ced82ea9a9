"""Generate a deterministic demo lab: inventory, users, jobs, results and job logs.

The same seed and size always give the same rows. Rows are built with cheap Python: YAML
and JSON text is assembled from pieces dumped once, primary keys are counted here, and
values are bound once by the columns' own types (so ``gql_server.db.types`` still decides
how timestamps, decimals and JSON are stored). The bulk tables are then written with
``COPY`` on PostgreSQL (asyncpg) and ``executemany`` on SQLite, which loads a lab of a
million jobs with their results in minutes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import math
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

import yaml
from sqlalchemy import Column, Table, insert, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gql_server.db import models as m
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    TestResult,
    WorkerHealth,
    WorkerState,
)

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_EPOCH_SECONDS = EPOCH.timestamp()
SUBMIT_INTERVAL = 40.0  # seconds between two submissions, on average
DEFAULT_LOGS = 10_000
CHUNK_JOBS = 1000  # jobs generated (with their results and logs) before they are written
BATCH_ROWS = 5000  # rows per executemany
DISPATCHER_VERSION = "2023.01"


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind a demo lab holds."""

    device_types: int
    workers: int
    devices: int
    jobs: int
    suites: int
    test_cases: int
    logs: int


# --- the lab's fixed inventory ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Hardware:
    architecture: str
    processor: str
    cpu_model: str
    bits: int
    core_count: int
    cores: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Method:
    """How jobs deploy to and boot a device type."""

    deploy_to: str
    boot: str
    deploy_case: str  # the deploy action's result name in suite `lava`


@dataclasses.dataclass(frozen=True)
class _TypeSpec:
    name: str
    description: str
    devices: int
    hardware: _Hardware
    method: _Method
    aliases: tuple[str, ...]
    tags: tuple[str, ...]  # on every device of the type
    variant_tags: tuple[str, ...] = ()  # device n also gets variant_tags[n % len]


_BOOT_OPTIONS: dict[str, dict[str, str]] = {
    "qemu": {"media": "tmpfs"},
    "u-boot": {"commands": "nfs"},
    "ipxe": {"commands": "nfs"},
    "fastboot": {},
}
_QEMU = _Method("tmpfs", "qemu", "deployimages")
_UBOOT = _Method("tftp", "u-boot", "tftp-deploy")
_IPXE = _Method("tftp", "ipxe", "tftp-deploy")
_FASTBOOT = _Method("fastboot", "fastboot", "fastboot-deploy")

_TYPES = (
    _TypeSpec(
        "qemu",
        "QEMU virtual machines",
        8,
        _Hardware("x86_64", "x86", "QEMU Virtual CPU", 64, 4, ()),
        _QEMU,
        ("qemu-x86_64", "kvm-guest"),
        ("kvm",),
    ),
    _TypeSpec(
        "bbb",
        "BeagleBone Black",
        5,
        _Hardware("ARMv7-A", "AM335x", "Cortex-A8", 32, 1, ("Cortex-A8",)),
        _UBOOT,
        ("am335x-boneblack", "beaglebone-black"),
        ("usb",),
        ("wifi", "hdmi"),
    ),
    _TypeSpec(
        "juno-r2",
        "Arm Juno r2 development platform",
        3,
        _Hardware("ARMv8-A", "Arm Juno", "Cortex-A72", 64, 6, ("Cortex-A72", "Cortex-A53")),
        _UBOOT,
        ("juno", "arm-juno-r2"),
        ("usb", "sata", "8gb"),
    ),
    _TypeSpec(
        "rpi4b",
        "Raspberry Pi 4 Model B",
        6,
        _Hardware("ARMv8-A", "BCM2711", "Cortex-A72", 64, 4, ("Cortex-A72",)),
        _UBOOT,
        ("bcm2711-rpi-4-b", "raspberrypi-4"),
        ("usb", "hdmi"),
        ("4gb", "8gb"),
    ),
    _TypeSpec(
        "x86",
        "Intel NUC x86_64 machines",
        4,
        _Hardware("x86_64", "x86", "Core i5-8365U", 64, 4, ()),
        _IPXE,
        ("x86_64", "intel-nuc"),
        ("usb", "sata", "8gb"),
    ),
    _TypeSpec(
        "imx8mq",
        "NXP i.MX8MQ evaluation kit",
        4,
        _Hardware("ARMv8-A", "i.MX8", "Cortex-A53", 64, 4, ("Cortex-A53",)),
        _FASTBOOT,
        ("imx8mq-evk", "fsl-imx8mq-evk"),
        ("usb", "hdmi", "4gb"),
    ),
)
_RESTRICTED_TYPE = "imx8mq"  # view-restricted to the group secret-project
_JOB_COUNT_HEALTH_TYPE = "x86"  # health checks every 50 jobs rather than every 24 hours

_TAGS = (
    ("usb", "USB ports wired to the lab hub"),
    ("hdmi", "HDMI output captured"),
    ("sata", "SATA disk attached"),
    ("4gb", "4 GB of RAM"),
    ("8gb", "8 GB of RAM"),
    ("wifi", "Wi-Fi module fitted"),
    ("kvm", "Hardware virtualisation available"),
    ("can-bus", "CAN bus adapter attached"),
)
_TAG_IDS = {name: n for n, (name, _) in enumerate(_TAGS, 1)}

_WORKERS = (
    ("lab-worker-01", WorkerState.ONLINE, WorkerHealth.ACTIVE, "Rack A"),
    ("lab-worker-02", WorkerState.ONLINE, WorkerHealth.ACTIVE, "Rack B"),
    ("lab-worker-03", WorkerState.OFFLINE, WorkerHealth.ACTIVE, "Rack C, powered down"),
    ("lab-worker-04", WorkerState.ONLINE, WorkerHealth.MAINTENANCE, "Rack D, firmware upgrade"),
)

_DEVICE_HEALTH = {  # every other device is Good
    "bbb-05": DeviceHealth.RETIRED,
    "qemu-06": DeviceHealth.LOOPING,
    "qemu-08": DeviceHealth.UNKNOWN,
    "rpi4b-06": DeviceHealth.BAD,
    "juno-r2-03": DeviceHealth.MAINTENANCE,
    "x86-02": DeviceHealth.MAINTENANCE,
    "imx8mq-04": DeviceHealth.UNKNOWN,
}

_ADMIN, _HEALTH, _ALICE, _BOB, _CAROL = 1, 2, 3, 4, 5
_USERS = (  # id, username, superuser, first name, last name
    (_ADMIN, "admin", True, "Lab", "Administrator"),
    (_HEALTH, "lava-health", False, "", ""),
    (_ALICE, "alice", False, "Alice", "Archer"),
    (_BOB, "bob", False, "Bob", "Baker"),
    (_CAROL, "carol", False, "Carol", "Cooper"),
)
_LAB_TEAM, _SECRET_PROJECT = 1, 2
_GROUPS = ((_LAB_TEAM, "lab-team", (_ALICE, _BOB)), (_SECRET_PROJECT, "secret-project", (_CAROL,)))

_PERMISSION_MODELS = (  # model, verbose name, extra (codename, name) pairs
    ("devicetype", "device type", (("submit_to_devicetype", "Can submit jobs to device type"),)),
    ("device", "device", (("submit_to_device", "Can submit jobs to device"),)),
    ("worker", "worker", ()),
    ("testjob", "test job", ()),
)


# --- what the jobs run --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Suite:
    name: str
    path: str
    cases: tuple[tuple[str, str | None], ...]  # (case name, test set name or None)
    units: str = ""  # non-empty: every case carries a measurement in these units
    low: int = 0  # range of the measurements' integer part
    high: int = 0


def _suite(
    name: str, path: str, cases: str, units: str = "", low: int = 0, high: int = 0
) -> _Suite:
    """A suite from a space-separated case list, where ``set/case`` puts a case in a test set."""
    pairs = []
    for word in cases.split():
        set_name, _, case = word.rpartition("/")
        pairs.append((case, set_name or None))
    return _Suite(name, path, tuple(pairs), units, low, high)


_SMOKE = _suite(
    "smoke-tests",
    "automated/linux/smoke/smoke.yaml",
    "pwd lsb_release uname vmstat ifconfig lscpu lsblk lsusb ping wget dmesg meminfo",
)
_BOOT = _suite(
    "kernel-boot",
    "automated/linux/boot/boot.yaml",
    "login dmesg-warnings dmesg-errors systemd-units rootfs-mounted modules-loaded network-up"
    " clock-sync kernel-taint console-ready",
)
_LTP_SYSCALLS = _suite(
    "ltp-syscalls",
    "automated/linux/ltp/ltp.yaml",
    "accept01 bind01 brk01 chdir01 chmod01 clone01 close01 dup01 execve01 fork01 getpid01 kill01",
)
_LTP_MATH = _suite(
    "ltp-math",
    "automated/linux/ltp/ltp.yaml",
    "abs01 atof01 float_bessel float_exp_log float_iperb float_power float_trigo fptest01"
    " fptest02 nextafter01",
)
_KSELFTEST = _suite(
    "kselftest",
    "automated/linux/kselftest/kselftest.yaml",
    "timers/posix_timers timers/nanosleep timers/set-timer-lat timers/inconsistency-check"
    " net/socket net/reuseport_bpf net/psock_fanout net/msg_zerocopy seccomp/seccomp_bpf"
    " seccomp/seccomp_benchmark size/get_size futex/futex_wait",
)
_FIO = _suite(
    "fio",
    "automated/linux/fio-test/fio-test.yaml",
    "seq-read-4k seq-write-4k rand-read-4k rand-write-4k seq-read-1m seq-write-1m rand-rw-64k",
    units="MB/s",
    low=12,
    high=950,
)
_LMBENCH = _suite(
    "lmbench",
    "automated/linux/lmbench/lmbench.yaml",
    "lat_syscall-null lat_syscall-read lat_syscall-write lat_ctx-2 lat_pipe lat_unix"
    " lat_proc-fork lat_proc-exec lat_mem_rd",
    units="ms",
    low=0,
    high=12,
)


@dataclasses.dataclass(frozen=True)
class _Plan:
    name: str
    suites: tuple[_Suite, _Suite]  # the first always runs, the second in a quarter of the jobs
    timeout_minutes: int
    run_seconds: tuple[int, int]  # duration range of a complete run


_PLANS = (
    _Plan("smoke-tests", (_SMOKE, _BOOT), 30, (150, 600)),
    _Plan("ltp-syscalls", (_LTP_SYSCALLS, _LTP_MATH), 90, (400, 1200)),
    _Plan("kselftest", (_KSELFTEST, _SMOKE), 60, (300, 900)),
    _Plan("benchmark", (_FIO, _LMBENCH), 60, (300, 1000)),
)
_PLAN_CHOICES = (_PLANS[0],) * 8 + (_PLANS[1],) * 5 + (_PLANS[2],) * 4 + (_PLANS[3],) * 3
_HEALTH_PLAN = _Plan("health", (_SMOKE, _BOOT), 20, (120, 400))

_SUBMITTERS = (_ADMIN,) * 2 + (_ALICE,) * 7 + (_BOB,) * 7 + (_CAROL,) * 4
_RESTRICTED_SUBMITTERS = (_CAROL,) * 4 + (_ADMIN,)
_PRIORITIES = (("medium", 50),) * 6 + (("low", 0),) * 2 + (("high", 100), (75, 75))
_QUEUE_HOURS = (None,) * 7 + (2, 4, 8)
_BRANCHES = ("main", "main", "next", "stable")

_BOOT_FAILURES = (
    ("LAVATimeout", "auto-login-action timed out after 300 seconds"),
    ("Infrastructure", "Unable to download https://images.example.org/rootfs.ext4.gz: 503"),
    ("Job", "bootloader-commands: matched a bootloader error message: 'Bad Linux ARM64 Image'"),
    ("Configuration", "Invalid device configuration: no serial console connection"),
    ("Bug", "An exception was raised in the dispatcher: KeyError('parameters')"),
)
_TEST_FAILURES = (
    ("LAVATimeout", "lava-test-shell timed out after 1200 seconds"),
    ("Test", "Test definition failed to install its dependencies"),
    ("Infrastructure", "Connection closed: the serial console went away"),
)
_CANCELED = ("Canceled", "Canceled by the submitter")

# States of the newest jobs, oldest first; every older job is Finished.
_TAIL = (
    (JobState.CANCELING,)
    + (JobState.RUNNING,) * 4
    + (JobState.SCHEDULING,)
    + (JobState.SCHEDULED,) * 2
    + (JobState.SUBMITTED,) * 12
)
_TAIL_HEALTH_CHECK = _TAIL.index(JobState.SCHEDULED)  # created directly in Scheduled
_HOLDING_STATES = {  # unfinished states that hold a device, and the device's state
    JobState.SCHEDULING: DeviceState.RESERVED,
    JobState.SCHEDULED: DeviceState.RESERVED,
    JobState.RUNNING: DeviceState.RUNNING,
    JobState.CANCELING: DeviceState.RUNNING,
}

# How far a job got, which decides its results and log.
_NOT_RUN, _COMPLETE, _BOOT_FAILED, _TEST_FAILED, _STOPPED, _RUNNING = range(6)

_PASS, _FAIL, _SKIP, _UNKNOWN = (int(r) for r in TestResult)
_RESULT_NAMES = tuple(r.display for r in TestResult)


# --- the bulk tables: columns written, in the order of the generated tuples --------------

_JOB_COLUMNS = (
    "id", "sub_id", "is_public", "submitter_id", "description", "health_check",
    "requested_device_type_id", "actual_device_id", "submit_time", "start_time", "end_time",
    "state", "health", "priority", "definition", "original_definition", "multinode_definition",
    "pipeline_compatibility", "queue_timeout", "failure_comment", "token", "metadata",
)  # fmt: skip
_CASE_COLUMNS = (
    "id", "name", "units", "result", "measurement", "metadata", "suite_id", "test_set_id",
    "logged",
)  # fmt: skip
_JOB_TAG_COLUMNS = ("id", "testjob_id", "tag_id")
_VIEWING_COLUMNS = ("id", "testjob_id", "group_id")
_LOG_COLUMNS = ("job_id", "content")
_SUITE_COLUMNS = ("id", "job_id", "name")
_SET_COLUMNS = ("id", "name", "suite_id")


# --- text prepared once ---------------------------------------------------------------------


def _dump(data: Any) -> str:
    """YAML in the normalised form LAVA stores: keys sorted, block style."""
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True)


def _actions_text(spec: _TypeSpec, suites: Sequence[_Suite]) -> str:
    image = f"https://images.example.org/{spec.name}"
    method = spec.method
    artifacts: dict[str, dict[str, Any]] = {
        "tmpfs": {"images": {"rootfs": {"url": f"{image}/rootfs.ext4.gz"}}},
        "tftp": {
            "kernel": {"url": f"{image}/Image"},
            "nfsrootfs": {"url": f"{image}/rootfs.tar.xz"},
        },
        "fastboot": {"images": {"boot": {"url": f"{image}/boot.img"}}},
    }
    boot = {"method": method.boot, **_BOOT_OPTIONS[method.boot]}
    definitions = [
        {"repository": "https://git.example.org/test-definitions.git", "from": "git",
         "path": suite.path, "name": suite.name}
        for suite in suites
    ]  # fmt: skip
    actions = [
        {"deploy": {"to": method.deploy_to, **artifacts[method.deploy_to]}},
        {"boot": boot},
        {"test": {"definitions": definitions}},
    ]
    return _dump({"actions": actions})


def _timeouts_text(job_minutes: int, queue_hours: int | None) -> str:
    timeouts: dict[str, Any] = {"job": {"minutes": job_minutes}}
    if queue_hours is not None:
        timeouts["queue"] = {"hours": queue_hours}
    return _dump({"timeouts": timeouts})


def _case_metadata(definition: str, case: str, result: int, set_name: str | None) -> str:
    data = {"case": case, "definition": definition, "result": _RESULT_NAMES[result]}
    if set_name:
        data["set"] = set_name
    return _dump(data)


_CaseText = tuple[str, str | None, tuple[str, ...]]  # name, test set, metadata by result


def _case_texts(label: str, suite: _Suite) -> tuple[_CaseText, ...]:
    return tuple(
        (
            case,
            set_name,
            tuple(_case_metadata(label, case, r, set_name) for r in range(len(TestResult))),
        )
        for case, set_name in suite.cases
    )


def _job_case_metadata(failure: tuple[str, str] | None) -> str:
    data = {"case": "job", "definition": "lava", "result": "pass" if failure is None else "fail"}
    if failure is not None:
        data["error_type"], data["error_msg"] = failure
    return _dump(data)


@dataclasses.dataclass(frozen=True)
class _Texts:
    """Definition fragments and test case metadata, each dumped once with PyYAML."""

    actions: dict[tuple[str, str, int], str]  # (plan, device type, number of suites)
    timeouts: dict[tuple[int, int | None], str]  # (job minutes, queue hours)
    visibility: dict[int | None, str]  # viewing group id, or None for personal
    tags: dict[str, str]
    suite_cases: dict[str, tuple[_CaseText, ...]]  # by suite name as logged (`0_smoke-tests`)
    job_metadata: dict[tuple[str, str] | None, str]  # failure -> metadata of case `job`

    @classmethod
    def build(cls) -> _Texts:
        """Prepare every fragment the lab can use."""
        plans = (*_PLANS, _HEALTH_PLAN)
        suites = {suite.name: suite for plan in plans for suite in plan.suites}
        return cls(
            actions={
                (plan.name, spec.name, count): _actions_text(spec, plan.suites[:count])
                for plan in plans
                for spec in _TYPES
                for count in (1, 2)
            },
            timeouts={
                (plan.timeout_minutes, hours): _timeouts_text(plan.timeout_minutes, hours)
                for plan in plans
                for hours in _QUEUE_HOURS
            },
            visibility={
                None: _dump({"visibility": "personal"}),
                _LAB_TEAM: _dump({"visibility": {"group": ["lab-team"]}}),
                _SECRET_PROJECT: _dump({"visibility": {"group": ["secret-project"]}}),
            },
            tags={name: _dump({"tags": [name]}) for name, _ in _TAGS},
            suite_cases={
                f"{index}_{suite.name}": _case_texts(f"{index}_{suite.name}", suite)
                for suite in suites.values()
                for index in (0, 1)
            },
            job_metadata={
                failure: _job_case_metadata(failure)
                for failure in (None, *_BOOT_FAILURES, *_TEST_FAILURES, _CANCELED)
            },
        )


# --- inventory rows -----------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Device:
    hostname: str
    spec: _TypeSpec
    worker: str
    health: DeviceHealth
    tags: tuple[str, ...]
    usable: bool  # may take a new job now: Good/Unknown health on an online, active worker
    free_at: float = 0.0  # seconds after EPOCH when its last job ended
    state: DeviceState = DeviceState.IDLE
    last_health_report: int | None = None


def _build_devices() -> list[_Device]:
    available = {
        name
        for name, state, health, _ in _WORKERS
        if state == WorkerState.ONLINE and health == WorkerHealth.ACTIVE
    }
    devices = []
    for spec in _TYPES:
        for n in range(1, spec.devices + 1):
            hostname = f"{spec.name}-{n:02d}"
            worker = _WORKERS[len(devices) % len(_WORKERS)][0]
            health = _DEVICE_HEALTH.get(hostname, DeviceHealth.GOOD)
            variant = (spec.variant_tags[n % len(spec.variant_tags)],) if spec.variant_tags else ()
            usable = worker in available and health in (DeviceHealth.GOOD, DeviceHealth.UNKNOWN)
            devices.append(_Device(hostname, spec, worker, health, spec.tags + variant, usable))
    return devices


def _user_rows() -> dict[Table, list[dict[str, Any]]]:
    joined = EPOCH - dt.timedelta(days=400)
    users = [
        {
            "id": uid,
            "password": "!",
            "last_login": None,
            "is_superuser": superuser,
            "username": name,
            "first_name": first,
            "last_name": last,
            "email": f"{name}@lab.example.org" if first else "",
            "is_staff": superuser,
            "is_active": True,
            "date_joined": joined,
        }
        for uid, name, superuser, first, last in _USERS
    ]
    members = [(gid, uid) for gid, _, uids in _GROUPS for uid in uids]
    return {
        m.User.__table__: users,
        m.Group.__table__: [{"id": gid, "name": name} for gid, name, _ in _GROUPS],
        m.UserGroup.__table__: [
            {"id": n, "user_id": uid, "group_id": gid} for n, (gid, uid) in enumerate(members, 1)
        ],
    }


def _permission_rows() -> dict[Table, list[dict[str, Any]]]:
    content_types, permissions = [], []
    for ct_id, (model, verbose, extra) in enumerate(_PERMISSION_MODELS, 1):
        content_types.append({"id": ct_id, "app_label": "lava_scheduler_app", "model": model})
        actions = [
            (f"{a}_{model}", f"Can {a} {verbose}") for a in ("add", "change", "delete", "view")
        ]
        for codename, name in (*actions, *extra):
            permissions.append(
                {
                    "id": len(permissions) + 1,
                    "name": name,
                    "content_type_id": ct_id,
                    "codename": codename,
                }
            )
    view_devicetype = next(p["id"] for p in permissions if p["codename"] == "view_devicetype")
    restriction = {
        "id": 1,
        "permission_id": view_devicetype,
        "group_id": _SECRET_PROJECT,
        "devicetype_id": _RESTRICTED_TYPE,
    }
    return {
        m.ContentType.__table__: content_types,
        m.Permission.__table__: permissions,
        m.GroupDeviceTypePermission.__table__: [restriction],
    }


def _device_type_rows() -> dict[Table, list[dict[str, Any]]]:
    hardware = [s.hardware for s in _TYPES]
    types = [
        {
            "name": s.name,
            "architecture_id": s.hardware.architecture,
            "processor_id": s.hardware.processor,
            "cpu_model": s.hardware.cpu_model,
            "bits_id": s.hardware.bits,
            "core_count": s.hardware.core_count,
            "description": s.description,
            "health_frequency": 50 if s.name == _JOB_COUNT_HEALTH_TYPE else 24,
            "disable_health_check": False,
            "health_denominator": int(s.name == _JOB_COUNT_HEALTH_TYPE),
            "display": True,
        }
        for s in _TYPES
    ]
    cores = [(s.name, core) for s in _TYPES for core in s.hardware.cores]
    return {
        m.Architecture.__table__: [{"name": n} for n in sorted({h.architecture for h in hardware})],
        m.ProcessorFamily.__table__: [{"name": n} for n in sorted({h.processor for h in hardware})],
        m.BitWidth.__table__: [{"width": w} for w in sorted({h.bits for h in hardware})],
        m.Core.__table__: [{"name": n} for n in sorted({c for _, c in cores})],
        m.DeviceType.__table__: types,
        m.DeviceTypeCore.__table__: [
            {"id": n, "devicetype_id": t, "core_id": c} for n, (t, c) in enumerate(cores, 1)
        ],
        m.Alias.__table__: [
            {"name": a, "device_type_id": s.name} for s in _TYPES for a in s.aliases
        ],
    }


def _device_rows(
    devices: Sequence[_Device], rng: random.Random, now: dt.datetime
) -> dict[Table, list[dict[str, Any]]]:
    workers = [
        {
            "hostname": name,
            "state": int(state),
            "health": int(health),
            "description": about,
            "last_ping": now if state == WorkerState.ONLINE else now - dt.timedelta(days=3),
            "job_limit": 0,
            "version": DISPATCHER_VERSION,
            "token": f"{rng.getrandbits(128):032x}",
        }
        for name, state, health, about in _WORKERS
    ]
    owners = {
        "rpi4b": (_ALICE, None),
        "juno-r2": (None, _LAB_TEAM),
        "imx8mq": (None, _SECRET_PROJECT),
    }
    rows = [
        {
            "hostname": d.hostname,
            "device_type_id": d.spec.name,
            "device_version": None if d.spec.name == "qemu" else "rev-b",
            "physical_owner_id": owners.get(d.spec.name, (None, None))[0],
            "physical_group_id": owners.get(d.spec.name, (None, None))[1],
            "description": f"{d.spec.description}, attached to {d.worker}",
            "state": int(DeviceState.IDLE),
            "health": int(d.health),
            "last_health_report_job_id": None,
            "worker_host_id": d.worker,
            "is_synced": False,
        }
        for d in devices
    ]
    device_tags = [(d.hostname, _TAG_IDS[t]) for d in devices for t in d.tags]
    return {
        m.Tag.__table__: [
            {"id": n, "name": name, "description": about}
            for n, (name, about) in enumerate(_TAGS, 1)
        ],
        m.Worker.__table__: workers,
        m.Device.__table__: rows,
        m.DeviceTag.__table__: [
            {"id": n, "device_id": d, "tag_id": t} for n, (d, t) in enumerate(device_tags, 1)
        ],
    }


# --- binding and writing ------------------------------------------------------------------


Values = tuple[Any, ...]


def _unchanged(value: Any) -> Any:
    return value


@dataclasses.dataclass(frozen=True)
class _Binders:
    """The columns' bind processors, so that generated values are bound once, by the types."""

    time: Callable[[dt.datetime], Any]
    decimal: Callable[[Decimal], Any]
    json: Callable[[dict[str, Any]], Any]
    true: Any
    false: Any

    @classmethod
    def for_dialect(cls, dialect: Dialect) -> _Binders:
        """The processors SQLAlchemy would apply for ``dialect``."""

        def processor(column: Column[Any]) -> Callable[[Any], Any]:
            return column.type.dialect_impl(dialect).bind_processor(dialect) or _unchanged

        job = m.TestJob.__table__.c
        boolean = processor(job.is_public)
        return cls(
            time=processor(job.submit_time),
            decimal=processor(m.TestCase.__table__.c.measurement),
            json=processor(job.metadata),
            true=boolean(True),
            false=boolean(False),
        )

    @classmethod
    def unchanged(cls) -> _Binders:
        """Values left as they are, for writing through Core inserts that bind them."""
        return cls(_unchanged, _unchanged, _unchanged, True, False)


def _write_mode(dialect: Dialect) -> str:
    """How the bulk tables are written for ``dialect``.

    ``copy`` with asyncpg; ``executemany`` of driver SQL with a ``qmark`` driver (SQLite);
    otherwise ``core`` inserts, which bind the values themselves.
    """
    if dialect.driver == "asyncpg":
        return "copy"
    return "executemany" if dialect.paramstyle == "qmark" else "core"


class _Writer:
    """Writes tuples of generated values into the bulk tables."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.mode = _write_mode(conn.dialect)
        if self.mode == "core":
            self.binders = _Binders.unchanged()
        else:
            self.binders = _Binders.for_dialect(conn.dialect)
        self._statements: dict[str, str] = {}

    async def write(self, table: Table, columns: tuple[str, ...], rows: list[Values]) -> None:
        """Insert ``rows``, whose values follow ``columns``."""
        if not rows:
            return
        if self.mode == "copy":
            raw = await self.conn.get_raw_connection()
            copy = raw.driver_connection.copy_records_to_table
            await copy(table.name, records=rows, columns=columns)
            return
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            if self.mode == "executemany":
                await self.conn.exec_driver_sql(self._statement(table, columns), batch)
            else:
                await self.conn.execute(
                    insert(table), [dict(zip(columns, row, strict=True)) for row in batch]
                )

    def _statement(self, table: Table, columns: tuple[str, ...]) -> str:
        if table.name not in self._statements:
            compiled = insert(table).compile(dialect=self.conn.dialect, column_keys=list(columns))
            if tuple(compiled.positiontup or ()) != columns:
                raise RuntimeError(f"{table.name}: columns {columns} are not in table order")
            self._statements[table.name] = str(compiled)
        return self._statements[table.name]


# --- jobs, results and logs ---------------------------------------------------------------


@dataclasses.dataclass
class _Rows:
    """The rows of one chunk of jobs."""

    jobs: list[Values] = dataclasses.field(default_factory=list)
    job_tags: list[Values] = dataclasses.field(default_factory=list)
    viewing_groups: list[Values] = dataclasses.field(default_factory=list)
    logs: list[Values] = dataclasses.field(default_factory=list)
    suites: list[Values] = dataclasses.field(default_factory=list)
    sets: list[Values] = dataclasses.field(default_factory=list)
    cases: list[Values] = dataclasses.field(default_factory=list)

    def tables(self) -> Iterator[tuple[Table, tuple[str, ...], list[Values]]]:
        """Each table with its columns and rows, parents first."""
        yield m.TestJob.__table__, _JOB_COLUMNS, self.jobs
        yield m.TestJobTag.__table__, _JOB_TAG_COLUMNS, self.job_tags
        yield m.TestJobViewingGroup.__table__, _VIEWING_COLUMNS, self.viewing_groups
        yield m.JobLog.__table__, _LOG_COLUMNS, self.logs
        yield m.TestSuite.__table__, _SUITE_COLUMNS, self.suites
        yield m.TestSet.__table__, _SET_COLUMNS, self.sets
        yield m.TestCase.__table__, _CASE_COLUMNS, self.cases


@dataclasses.dataclass
class _Job:
    """The facts about one job that its row, results and log are made from."""

    id: int
    state: JobState
    health: JobHealth
    stage: int
    health_check: bool
    spec: _TypeSpec
    plan: _Plan
    suites: int
    device: _Device | None
    submit: float = 0.0
    start: float | None = None
    end: float | None = None
    failure: tuple[str, str] | None = None
    logged: Any = None  # bound time of the results: the end, or the start while running


@dataclasses.dataclass(frozen=True)
class _Submission:
    """What the submitter chose: who, the job name, priority, visibility, metadata, tag."""

    submitter: int
    name: str
    priority: tuple[str | int, int]  # as written in the definition, as stored
    public: bool
    group: int | None  # viewing group of a private job; None: personal (or public)
    metadata: dict[str, str]
    tag: str | None


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(_EPOCH_SECONDS + seconds, dt.UTC)


class _LabBuilder:
    """Makes the rows of the lab, drawing from one random stream in a fixed order."""

    def __init__(self, rng: random.Random, jobs: int, logs: int, binders: _Binders) -> None:
        self.rng = rng
        self.bind = binders
        self.no_metadata = binders.json({})
        self.first_logged = jobs - logs + 1
        self.first_tail = jobs - len(_TAIL) + 1
        self.now = (jobs + 2) * SUBMIT_INTERVAL  # just after the newest submission
        self.texts = _Texts.build()
        self.devices = _build_devices()
        self.type_choices = tuple(d.spec for d in self.devices)
        self.by_type = {s.name: [d for d in self.devices if d.spec is s] for s in _TYPES}
        self.suite_id = self.set_id = self.case_id = self.tag_row = self.group_row = 0
        self.logs = 0

    def inventory(self) -> dict[Table, list[dict[str, Any]]]:
        """Every inventory row, parents first."""
        return {
            **_user_rows(),
            **_device_type_rows(),
            **_device_rows(self.devices, self.rng, _at(self.now)),
            **_permission_rows(),
        }

    def chunk(self, first: int, last: int) -> _Rows:
        """The rows of jobs ``first`` to ``last`` (inclusive) and of their results and logs."""
        rows = _Rows()
        for job_id in range(first, last + 1):
            job = self._plan_job(job_id)
            self._schedule(job)
            rows.jobs.append(self._job_row(job, rows))
            if job.stage == _NOT_RUN:
                continue
            first_case, first_suite, first_set = len(rows.cases), len(rows.suites), len(rows.sets)
            self._results(job, rows)
            if job_id >= self.first_logged:
                content = self._log(
                    job, rows.cases[first_case:], rows.suites[first_suite:], rows.sets[first_set:]
                )
                rows.logs.append((job_id, content))
                self.logs += 1
        return rows

    # one job

    def _plan_job(self, job_id: int) -> _Job:
        rng = self.rng
        tail = job_id - self.first_tail
        state = _TAIL[tail] if tail >= 0 else JobState.FINISHED
        health, stage = self._outcome(state)
        if state == JobState.FINISHED:
            health_check = rng.random() < 0.05
        else:
            health_check = tail == _TAIL_HEALTH_CHECK
        device = self._holding_device() if state in _HOLDING_STATES else None
        spec = (
            device.spec if device else self.type_choices[int(rng.random() * len(self.type_choices))]
        )
        if device is None and (stage != _NOT_RUN or health_check):  # health checks have one
            device = min(self.by_type[spec.name], key=lambda d: d.free_at)
        plan = (
            _HEALTH_PLAN if health_check else _PLAN_CHOICES[int(rng.random() * len(_PLAN_CHOICES))]
        )
        suites = 2 if rng.random() < 0.25 else 1
        return _Job(job_id, state, health, stage, health_check, spec, plan, suites, device)

    def _outcome(self, state: JobState) -> tuple[JobHealth, int]:
        if state != JobState.FINISHED:
            running = state in (JobState.RUNNING, JobState.CANCELING)
            return JobHealth.UNKNOWN, _RUNNING if running else _NOT_RUN
        r = self.rng.random()
        if r < 0.80:
            return JobHealth.COMPLETE, _COMPLETE
        if r < 0.95:
            return JobHealth.INCOMPLETE, _BOOT_FAILED if r < 0.875 else _TEST_FAILED
        return JobHealth.CANCELED, _STOPPED if r < 0.975 else _NOT_RUN

    def _holding_device(self) -> _Device:
        """A usable device without an unfinished job (only the newest jobs hold one)."""
        free = [d for d in self.devices if d.usable and d.state == DeviceState.IDLE]
        return free[int(self.rng.random() * len(free))]

    def _schedule(self, job: _Job) -> None:
        """Set the job's times, running each device's jobs one after the other."""
        rng, device = self.rng, job.device
        job.submit = (job.id + rng.random()) * SUBMIT_INTERVAL
        if device is not None and job.state in _HOLDING_STATES:
            device.state = _HOLDING_STATES[job.state]
        if job.stage == _NOT_RUN:
            if job.state == JobState.FINISHED:  # canceled while queued: start = end
                job.start = job.end = job.submit + 60 + rng.random() * 3540
            return
        job.start = max(job.submit + 5 + rng.random() * 115, device.free_at + 5)
        if job.stage != _RUNNING:
            low, high = job.plan.run_seconds
            length = low + rng.random() * (high - low)
            job.end = job.start + (length if job.stage == _COMPLETE else length / 2)
            device.free_at = job.end

    def _job_row(self, job: _Job, rows: _Rows) -> Values:
        bind = self.bind
        sub = self._submission(job)
        queue = _QUEUE_HOURS[int(self.rng.random() * len(_QUEUE_HOURS))]
        if sub.tag is not None:
            self.tag_row += 1
            rows.job_tags.append((self.tag_row, job.id, _TAG_IDS[sub.tag]))
        if sub.group is not None:
            self.group_row += 1
            rows.viewing_groups.append((self.group_row, job.id, sub.group))
        if job.health_check and job.state == JobState.FINISHED:
            job.device.last_health_report = job.id
        definition = self._definition(job, sub, queue)
        job.failure = self._failure(job)
        start = None if job.start is None else bind.time(_at(job.start))
        end = None if job.end is None else bind.time(_at(job.end))
        job.logged = start if end is None else end
        return (
            job.id, "", bind.true if sub.public else bind.false, sub.submitter, sub.name,
            bind.true if job.health_check else bind.false, job.spec.name,
            job.device.hostname if job.device else None, bind.time(_at(job.submit)), start, end,
            int(job.state), int(job.health), sub.priority[1], definition, definition, "", 0,
            None if queue is None else queue * 3600,
            job.failure[1] if job.failure and job.stage != _STOPPED else None,
            f"{self.rng.getrandbits(128):032x}",
            bind.json(sub.metadata) if sub.metadata else self.no_metadata,
        )  # fmt: skip

    def _submission(self, job: _Job) -> _Submission:
        rng, spec = self.rng, job.spec
        if job.health_check:
            return _Submission(_HEALTH, f"{spec.name}-health", ("medium", 50), True, None, {}, None)
        pool = _RESTRICTED_SUBMITTERS if spec.name == _RESTRICTED_TYPE else _SUBMITTERS
        submitter = pool[int(rng.random() * len(pool))]
        public = rng.random() >= 0.10
        return _Submission(
            submitter=submitter,
            name=f"{job.plan.name}-{spec.name}",
            priority=_PRIORITIES[int(rng.random() * len(_PRIORITIES))],
            public=public,
            group=None if public else self._viewing_group(submitter),
            metadata=self._metadata(job.id),
            tag=self._tag(job),
        )

    def _definition(self, job: _Job, sub: _Submission, queue: int | None) -> str:
        """The job's YAML as LAVA stores it (keys sorted), assembled from prepared pieces."""
        texts, metadata = self.texts, sub.metadata
        return "".join((
            texts.actions[job.plan.name, job.spec.name, job.suites],
            f"device_type: {job.spec.name}\njob_name: {sub.name}\n",
            f"metadata:\n  branch: {metadata['branch']}\n  build: '{metadata['build']}'\n"
            if metadata else "",
            f"priority: {sub.priority[0]}\n",
            texts.tags[sub.tag] if sub.tag else "",
            texts.timeouts[job.plan.timeout_minutes, queue],
            "visibility: public\n" if sub.public else texts.visibility[sub.group],
        ))  # fmt: skip

    def _viewing_group(self, submitter: int) -> int | None:
        """The group a private job is shared with, or None for a personal job."""
        if self.rng.random() < 0.5:
            return None
        if submitter in (_ALICE, _BOB):
            return _LAB_TEAM
        return _SECRET_PROJECT if submitter == _CAROL else None

    def _metadata(self, job_id: int) -> dict[str, str]:
        rng = self.rng
        if rng.random() >= 0.4:
            return {}
        return {
            "branch": _BRANCHES[int(rng.random() * len(_BRANCHES))],
            "build": str(1000 + job_id // 40),
        }

    def _tag(self, job: _Job) -> str | None:
        """A tag some jobs require: one their device carries."""
        if job.device is None or self.rng.random() >= 0.15:
            return None
        return job.device.tags[int(self.rng.random() * len(job.device.tags))]

    def _failure(self, job: _Job) -> tuple[str, str] | None:
        if job.stage == _BOOT_FAILED:
            return _BOOT_FAILURES[int(self.rng.random() * len(_BOOT_FAILURES))]
        if job.stage == _TEST_FAILED:
            return _TEST_FAILURES[int(self.rng.random() * len(_TEST_FAILURES))]
        return _CANCELED if job.stage == _STOPPED else None

    # results

    def _results(self, job: _Job, rows: _Rows) -> None:
        logged = job.logged
        lava = self._suite_row(rows, job.id, "lava")
        boot_failed = job.stage == _BOOT_FAILED
        self._lava_case(rows, lava, "validate", _PASS, (1, 90), logged)
        self._lava_case(rows, lava, job.spec.method.deploy_case, _PASS, (500, 12000), logged)
        boot_result = _FAIL if boot_failed else _PASS
        self._lava_case(rows, lava, "auto-login-action", boot_result, (1000, 9000), logged)
        if not boot_failed:
            for index in range(job.suites):
                cut_short = job.stage != _COMPLETE and index == job.suites - 1
                self._test_suite(rows, job.id, index, job.plan.suites[index], cut_short, logged)
        if job.state == JobState.FINISHED:
            self.case_id += 1
            result = _PASS if job.failure is None else _FAIL
            metadata = self.texts.job_metadata[job.failure]
            rows.cases.append((self.case_id, "job", "", result, None, metadata, lava, None, logged))

    def _suite_row(self, rows: _Rows, job_id: int, name: str) -> int:
        self.suite_id += 1
        rows.suites.append((self.suite_id, job_id, name))
        return self.suite_id

    def _lava_case(
        self,
        rows: _Rows,
        suite_id: int,
        name: str,
        result: int,
        hundredths: tuple[int, int],
        logged: Any,
    ) -> None:
        """A dispatcher action's result, measured by its duration in seconds."""
        low, high = hundredths
        value = low + int(self.rng.random() * (high - low))
        duration = f"{value // 100}.{value % 100:02d}"
        metadata = (
            f"case: {name}\ndefinition: lava\nduration: '{duration}'\n"
            f"result: {_RESULT_NAMES[result]}\n"
        )
        self.case_id += 1
        measurement = self.bind.decimal(Decimal(duration))
        rows.cases.append(
            (self.case_id, name, "seconds", result, measurement, metadata, suite_id, None, logged)
        )

    def _test_suite(
        self, rows: _Rows, job_id: int, index: int, suite: _Suite, cut_short: bool, logged: Any
    ) -> None:
        random_ = self.rng.random
        label = f"{index}_{suite.name}"
        suite_id = self._suite_row(rows, job_id, label)
        count = min(len(suite.cases), 3 + int(random_() * 10))
        if cut_short:
            count = 1 + count // 2
        sets: dict[str, int] = {}
        units = suite.units
        for position, (name, set_name, texts) in enumerate(self.texts.suite_cases[label][:count]):
            r = random_()
            result = _PASS if r < 0.85 else _FAIL if r < 0.93 else _SKIP if r < 0.98 else _UNKNOWN
            set_id = self._set_id(rows, sets, suite_id, set_name) if set_name else None
            if units:
                value = self._measurement(suite.low, suite.high, 2 + position % 3)
                measurement = self.bind.decimal(Decimal(value))
                in_set = f"set: {set_name}\n" if set_name else ""
                case_text = (
                    f"case: {name}\ndefinition: {label}\nmeasurement: '{value}'\n"
                    f"result: {_RESULT_NAMES[result]}\n{in_set}units: {units}\n"
                )
            else:
                measurement, case_text = None, texts[result]
            self.case_id += 1
            case = (self.case_id, name, units, result, measurement, case_text, suite_id, set_id)
            rows.cases.append((*case, logged))

    def _measurement(self, low: int, high: int, places: int) -> str:
        whole = low + int(self.rng.random() * (high - low + 1))
        fraction = int(self.rng.random() * 10**places)
        return f"{whole}.{fraction:0{places}d}"

    def _set_id(self, rows: _Rows, sets: dict[str, int], suite_id: int, name: str) -> int:
        if name not in sets:
            self.set_id += 1
            sets[name] = self.set_id
            rows.sets.append((self.set_id, name, suite_id))
        return sets[name]

    # logs

    def _log(self, job: _Job, cases: list[Values], suites: list[Values], sets: list[Values]) -> str:
        """The job's output.yaml: one flow mapping per line, scalars double-quoted."""
        suite_names = {suite_id: name for suite_id, _, name in suites}
        set_names = {set_id: name for set_id, name, _ in sets}
        entries = [
            ("info", f'"lava-dispatcher, installed at version: {DISPATCHER_VERSION}"'),
            ("info", f'"Start time: {_at(job.start).isoformat(" ")} (UTC)"'),
        ]
        current = None
        for _, name, units, result, measurement, _, suite_id, set_id, _ in cases:
            definition = suite_names[suite_id]
            if definition == "lava" and name != "job":
                entries.append(("info", f'"start: {name}"'))
            elif definition not in (current, "lava"):
                entries.append(("info", f'"start: lava-test-shell {definition}"'))
            if name == "auto-login-action":
                entries.append(("target", '"Linux version 6.1.0-demo (build@lava) #1 SMP"'))
            current = definition
            fields = _results_fields(
                definition, name, result, measurement, units, set_names.get(set_id)
            )
            if name == "job" and job.failure is not None:
                fields.insert(2, f'"error_msg": {json.dumps(job.failure[1])}')
                fields.insert(3, f'"error_type": "{job.failure[0]}"')
            entries.append(("results", "{" + ", ".join(fields) + "}"))
        if job.state == JobState.FINISHED:
            failure = job.failure
            entries.append(
                ("info", '"Job finished correctly"')
                if failure is None
                else ("error", json.dumps(failure[1]))
            )
        end = job.end if job.end is not None else job.start + 30 * len(entries)
        step = (end - job.start) / max(1, len(entries) - 1)
        return "".join(
            f'- {{"dt": "{_log_time(job.start + n * step)}", "lvl": "{level}", "msg": {message}}}\n'
            for n, (level, message) in enumerate(entries)
        )


def _log_time(seconds: float) -> str:
    return _at(seconds).replace(tzinfo=None).isoformat(timespec="microseconds")


def _results_fields(
    definition: str, case: str, result: int, measurement: Any, units: str, set_name: str | None
) -> list[str]:
    """The `results` log line of a case: the mapping its metadata was dumped from, as JSON."""
    fields = [f'"case": "{case}"', f'"definition": "{definition}"']
    if measurement is not None:
        key = "duration" if definition == "lava" else "measurement"
        fields.append(f'"{key}": "{measurement}"')
    fields.append(f'"result": "{_RESULT_NAMES[result]}"')
    if set_name:
        fields.append(f'"set": "{set_name}"')
    if units and definition != "lava":
        fields.append(f'"units": "{units}"')
    return fields


# --- the whole lab --------------------------------------------------------------------------

_MUST_BE_EMPTY = (
    (m.TestJob, "jobs"),
    (m.User, "users"),
    (m.DeviceType, "device types"),
    (m.Worker, "workers"),
)


async def _refuse_filled(conn: AsyncConnection) -> None:
    for model, label in _MUST_BE_EMPTY:
        key = next(iter(model.__table__.primary_key.columns))
        if (await conn.execute(select(key).limit(1))).first() is not None:
            raise ValueError(
                f"the database already has {label}: a demo lab needs an empty, migrated database"
            )


async def _write_jobs(
    writer: _Writer, builder: _LabBuilder, jobs: int, progress: Callable[[int, int], None] | None
) -> None:
    for first in range(1, jobs + 1, CHUNK_JOBS):
        last = min(jobs, first + CHUNK_JOBS - 1)
        for table, columns, rows in builder.chunk(first, last).tables():
            await writer.write(table, columns, rows)
        if progress is not None:
            progress(last, jobs)


_FOREIGN_KEYS = text("""
    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
           format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                  pg_get_constraintdef(oid))
    FROM pg_constraint
    WHERE contype = 'f'
      AND conrelid = ANY (SELECT to_regclass(name) FROM unnest(CAST(:tables AS text[])) AS name)
    ORDER BY conrelid::regclass::text, conname
""")


_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires


@contextlib.asynccontextmanager
async def _foreign_keys_checked_at_end(conn: AsyncConnection) -> AsyncIterator[None]:
    """Drop the bulk tables' foreign keys on PostgreSQL and add them back afterwards.

    Row-by-row foreign key triggers would make COPY several times slower; adding a key
    back checks every row in one pass, and any failure rolls the whole lab back. If
    another session holds a lock on these tables (even an open read), the keys stay.
    """
    names = [table.name for table, _, _ in _Rows().tables()]
    constraints = (await conn.execute(_FOREIGN_KEYS, {"tables": names})).all()
    try:
        await _drop_constraints(conn, [drop for drop, _ in constraints])
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        constraints = []
    yield
    for _, add in constraints:
        await conn.execute(text(add))


async def _drop_constraints(conn: AsyncConnection, statements: list[str]) -> None:
    """Run the DROP statements in a savepoint, waiting at most two seconds for each lock."""
    previous = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
    async with conn.begin_nested():
        await conn.execute(text("SELECT set_config('lock_timeout', '2s', true)"))
        for statement in statements:
            await conn.execute(text(statement))
    await conn.execute(text("SELECT set_config('lock_timeout', :value, true)"), {"value": previous})


async def _update_devices(conn: AsyncConnection, devices: Sequence[_Device]) -> None:
    """Record each device's state (from its unfinished job) and last health check."""
    table = m.Device.__table__
    for device in devices:
        if device.state != DeviceState.IDLE or device.last_health_report is not None:
            await conn.execute(
                update(table)
                .where(table.c.hostname == device.hostname)
                .values(
                    state=int(device.state), last_health_report_job_id=device.last_health_report
                )
            )


async def _reset_sequences(conn: AsyncConnection) -> None:
    """Move PostgreSQL's id sequences past the explicit ids inserted."""
    for table in m.Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
                )
            )


async def generate_demo(
    engine: AsyncEngine,
    jobs: int,
    *,
    seed: int = 2023,
    logs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with a deterministic demo lab of `jobs` jobs.

    Only the newest ``logs`` jobs (default: up to 10,000) get a job log, if they ran.
    ``progress(done, total)`` is called each time a chunk of jobs has been written. Raises
    ValueError if the database already has jobs (or users, device types or workers).
    """
    if jobs < 0 or (logs is not None and logs < 0):
        raise ValueError("the numbers of jobs and logs must not be negative")
    logs = min(jobs, DEFAULT_LOGS if logs is None else logs)
    postgresql = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        await _refuse_filled(conn)
        writer = _Writer(conn)
        builder = _LabBuilder(random.Random(seed), jobs, logs, writer.binders)
        for table, rows in builder.inventory().items():
            await conn.execute(insert(table), rows)
        checks = _foreign_keys_checked_at_end(conn) if postgresql else contextlib.nullcontext()
        async with checks:
            await _write_jobs(writer, builder, jobs, progress)
        await _update_devices(conn, builder.devices)
        if postgresql:
            await _reset_sequences(conn)
    if postgresql:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    return DemoSummary(
        device_types=len(_TYPES),
        workers=len(_WORKERS),
        devices=len(builder.devices),
        jobs=jobs,
        suites=builder.suite_id,
        test_cases=builder.case_id,
        logs=builder.logs,
    )


def text_progress(stream: TextIO | None = None) -> Callable[[int, int], None]:
    """A `generate_demo` progress printer rewriting one line on ``stream`` (default: stderr).

    It prints at most ten times a second, always prints the final state, and ends the line
    there.
    """
    out = sys.stderr if stream is None else stream
    shown_at = -math.inf
    ended = False

    def show(done: int, total: int) -> None:
        nonlocal shown_at, ended
        now = time.monotonic()
        finished = done >= total
        if ended or (not finished and now - shown_at < 0.1):
            return
        shown_at = now
        fraction = done / total if total else 1.0
        bar = "#" * int(20 * fraction)
        out.write(f"\rjobs {done:>{len(str(total))}}/{total} [{bar:-<20}] {fraction:.0%}")
        if finished:
            out.write("\n")
            ended = True
        out.flush()

    return show
