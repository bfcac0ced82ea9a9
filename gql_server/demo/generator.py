"""Generate a deterministic demo lab: inventory, users, jobs, results and job logs.

The same seed and size always give the same rows. Rows are built with cheap Python
(YAML and JSON text assembled from pieces prepared once) and written with Core
``executemany`` batches under primary keys computed here, so that a lab of a million
jobs with their results loads in minutes on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

import yaml
from sqlalchemy import Table, insert, select, text, update
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
SUBMIT_INTERVAL = 40.0  # seconds between two submissions, on average
DEFAULT_LOGS = 10_000
CHUNK_JOBS = 1000  # jobs generated (with their results) before they are written
BATCH_ROWS = 5000  # rows per executemany
DISPATCHER_VERSION = "2023.01"

Row = dict[str, Any]


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
class _TypeSpec:
    name: str
    description: str
    architecture: str
    processor: str
    cpu_model: str
    bits: int
    cores: tuple[str, ...]
    core_count: int
    aliases: tuple[str, ...]
    devices: int
    tags: tuple[str, ...]  # tags on every device of the type
    variant_tags: tuple[str, ...]  # device n also gets variant_tags[n % len]
    deploy_to: str
    boot_method: str
    deploy_case: str  # name of the deploy action's result in suite `lava`


_TYPES = (
    _TypeSpec(
        "qemu",
        "QEMU virtual machines",
        "x86_64",
        "x86",
        "QEMU Virtual CPU",
        64,
        (),
        4,
        ("qemu-x86_64", "kvm-guest"),
        8,
        ("kvm",),
        (),
        "tmpfs",
        "qemu",
        "deployimages",
    ),
    _TypeSpec(
        "bbb",
        "BeagleBone Black",
        "ARMv7-A",
        "AM335x",
        "Cortex-A8",
        32,
        ("Cortex-A8",),
        1,
        ("am335x-boneblack", "beaglebone-black"),
        5,
        ("usb",),
        ("wifi", "hdmi"),
        "tftp",
        "u-boot",
        "tftp-deploy",
    ),
    _TypeSpec(
        "juno-r2",
        "Arm Juno r2 development platform",
        "ARMv8-A",
        "Arm Juno",
        "Cortex-A72",
        64,
        ("Cortex-A72", "Cortex-A53"),
        6,
        ("juno", "arm-juno-r2"),
        3,
        ("usb", "sata", "8gb"),
        (),
        "tftp",
        "u-boot",
        "tftp-deploy",
    ),
    _TypeSpec(
        "rpi4b",
        "Raspberry Pi 4 Model B",
        "ARMv8-A",
        "BCM2711",
        "Cortex-A72",
        64,
        ("Cortex-A72",),
        4,
        ("bcm2711-rpi-4-b", "raspberrypi-4"),
        6,
        ("usb", "hdmi"),
        ("4gb", "8gb"),
        "tftp",
        "u-boot",
        "tftp-deploy",
    ),
    _TypeSpec(
        "x86",
        "Intel NUC x86_64 machines",
        "x86_64",
        "x86",
        "Core i5-8365U",
        64,
        (),
        4,
        ("x86_64", "intel-nuc"),
        4,
        ("usb", "sata", "8gb"),
        (),
        "tftp",
        "ipxe",
        "tftp-deploy",
    ),
    _TypeSpec(
        "imx8mq",
        "NXP i.MX8MQ evaluation kit",
        "ARMv8-A",
        "i.MX8",
        "Cortex-A53",
        64,
        ("Cortex-A53",),
        4,
        ("imx8mq-evk", "fsl-imx8mq-evk"),
        4,
        ("usb", "hdmi", "4gb"),
        (),
        "fastboot",
        "u-boot",
        "fastboot-deploy-action",
    ),
)
_RESTRICTED_TYPE = "imx8mq"  # view-restricted to the group secret-project

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

_WORKERS = (
    ("lab-worker-01", WorkerState.ONLINE, WorkerHealth.ACTIVE, "Rack A"),
    ("lab-worker-02", WorkerState.ONLINE, WorkerHealth.ACTIVE, "Rack B"),
    (
        "lab-worker-03",
        WorkerState.OFFLINE,
        WorkerHealth.ACTIVE,
        "Rack C, powered down for rewiring",
    ),
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


# --- what jobs run ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Suite:
    name: str
    path: str
    cases: tuple[tuple[str, str | None], ...]  # (case name, test set name or None)
    units: str = ""  # non-empty: every case carries a measurement in these units
    low: int = 0  # integer part range of the measurements
    high: int = 0


def _suite(
    name: str, path: str, cases: str, units: str = "", low: int = 0, high: int = 0
) -> _Suite:
    """A suite from a space-separated case list; ``set/case`` puts a case in a test set."""
    pairs = tuple(
        (c.partition("/")[2], c.partition("/")[0]) if "/" in c else (c, None) for c in cases.split()
    )
    return _Suite(name, path, pairs, units, low, high)


_SMOKE = _suite(
    "smoke-tests",
    "automated/linux/smoke/smoke.yaml",
    "pwd lsb_release uname vmstat ifconfig lscpu lsblk lsusb ping wget dmesg meminfo",
)
_BOOT = _suite(
    "kernel-boot",
    "automated/linux/boot/boot.yaml",
    "login dmesg-warnings dmesg-errors systemd-units rootfs-mounted modules-loaded"
    " network-up clock-sync kernel-taint console-ready",
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
    " net/socket net/reuseport_bpf net/psock_fanout net/msg_zerocopy"
    " seccomp/seccomp_bpf seccomp/seccomp_benchmark size/get_size futex/futex_wait",
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
    suites: tuple[_Suite, _Suite]  # the first always runs, the second in some jobs
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
_HOLDING_STATES = {
    JobState.SCHEDULING: DeviceState.RESERVED,
    JobState.SCHEDULED: DeviceState.RESERVED,
    JobState.RUNNING: DeviceState.RUNNING,
    JobState.CANCELING: DeviceState.RUNNING,
}

# How far a job got, which decides its results and log.
_NOT_RUN, _COMPLETE, _BOOT_FAILED, _TEST_FAILED, _STOPPED, _RUNNING = range(6)

_PASS, _FAIL, _SKIP, _UNKNOWN = (int(r) for r in TestResult)
_RESULT_NAMES = tuple(r.display for r in TestResult)
_FINISHED = int(JobState.FINISHED)


# --- text prepared once ---------------------------------------------------------------------


def _dump(data: Any) -> str:
    """YAML in the normalised form LAVA stores: keys sorted, block style."""
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True)


def _actions_text(spec: _TypeSpec, suites: Sequence[_Suite]) -> str:
    image = f"https://images.example.org/{spec.name}"
    artifacts: dict[str, dict[str, Any]] = {
        "tmpfs": {"images": {"rootfs": {"url": f"{image}/rootfs.ext4.gz", "compression": "gz"}}},
        "tftp": {
            "kernel": {"url": f"{image}/Image", "type": "image"},
            "nfsrootfs": {"url": f"{image}/rootfs.tar.xz", "compression": "xz"},
        },
        "fastboot": {"images": {"boot": {"url": f"{image}/boot.img"}}},
    }
    deploy = {"to": spec.deploy_to, "timeout": {"minutes": 10}, **artifacts[spec.deploy_to]}
    boot = {"method": spec.boot_method, "prompts": ["root@lava:~#"], "timeout": {"minutes": 5}}
    if spec.boot_method == "qemu":
        boot["media"] = "tmpfs"
    else:
        boot["commands"] = "nfs"
    definitions = [
        {
            "repository": "https://github.com/Linaro/test-definitions.git",
            "from": "git",
            "path": suite.path,
            "name": suite.name,
        }
        for suite in suites
    ]
    test = {"definitions": definitions, "timeout": {"minutes": 30}}
    return _dump({"actions": [{"deploy": deploy}, {"boot": boot}, {"test": test}]})


def _metadata_text(definition: str, case: str, result: int, set_name: str | None) -> str:
    data = {"case": case, "definition": definition, "result": _RESULT_NAMES[result]}
    if set_name:
        data["set"] = set_name
    return _dump(data)


def _job_case_metadata(failure: tuple[str, str] | None) -> str:
    data = {"case": "job", "definition": "lava", "result": "pass" if failure is None else "fail"}
    if failure is not None:
        data["error_type"], data["error_msg"] = failure
    return _dump(data)


@dataclasses.dataclass(frozen=True)
class _Texts:
    """Definition fragments and case metadata, each dumped once with PyYAML."""

    actions: dict[tuple[str, str, int], str]
    timeouts: dict[tuple[int, int | None], str]
    visibility: dict[int | None, str]  # viewing group id, or None for personal
    tags: dict[str, str]
    case_metadata: dict[tuple[str, str], tuple[str, ...]]  # (suite label, case) -> by result
    job_metadata: dict[tuple[str, str] | None, str]

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
                (plan.timeout_minutes, queue): _timeouts_text(plan.timeout_minutes, queue)
                for plan in plans
                for queue in (None, 2, 4, 8)
            },
            visibility={
                None: _dump({"visibility": "personal"}),
                _LAB_TEAM: _dump({"visibility": {"group": ["lab-team"]}}),
                _SECRET_PROJECT: _dump({"visibility": {"group": ["secret-project"]}}),
            },
            tags={name: _dump({"tags": [name]}) for name, _ in _TAGS},
            case_metadata={
                (f"{index}_{suite.name}", case): tuple(
                    _metadata_text(f"{index}_{suite.name}", case, result, set_name)
                    for result in range(len(TestResult))
                )
                for suite in suites.values()
                for index in (0, 1)
                for case, set_name in suite.cases
            },
            job_metadata={
                failure: _job_case_metadata(failure)
                for failure in (None, *_BOOT_FAILURES, *_TEST_FAILURES, _CANCELED)
            },
        )


def _timeouts_text(job_minutes: int, queue_hours: int | None) -> str:
    timeouts: dict[str, Any] = {"job": {"minutes": job_minutes}, "action": {"minutes": 10}}
    if queue_hours is not None:
        timeouts["queue"] = {"hours": queue_hours}
    return _dump({"timeouts": timeouts})


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
    workers = {name: (state, health) for name, state, health, _ in _WORKERS}
    devices = []
    for spec in _TYPES:
        for n in range(1, spec.devices + 1):
            hostname = f"{spec.name}-{n:02d}"
            worker = _WORKERS[len(devices) % len(_WORKERS)][0]
            health = _DEVICE_HEALTH.get(hostname, DeviceHealth.GOOD)
            variant = (spec.variant_tags[n % len(spec.variant_tags)],) if spec.variant_tags else ()
            usable = health in (DeviceHealth.GOOD, DeviceHealth.UNKNOWN) and workers[worker] == (
                WorkerState.ONLINE,
                WorkerHealth.ACTIVE,
            )
            devices.append(_Device(hostname, spec, worker, health, spec.tags + variant, usable))
    return devices


def _user_rows() -> dict[Table, list[Row]]:
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
    groups = [{"id": gid, "name": name} for gid, name, _ in _GROUPS]
    members = [(gid, uid) for gid, _, uids in _GROUPS for uid in uids]
    user_groups = [
        {"id": n, "user_id": uid, "group_id": gid} for n, (gid, uid) in enumerate(members, 1)
    ]
    return {
        m.User.__table__: users,
        m.Group.__table__: groups,
        m.UserGroup.__table__: user_groups,
    }


def _permission_rows() -> dict[Table, list[Row]]:
    content_types, permissions = [], []
    view_devicetype = 0
    for ct_id, (model, verbose, extra) in enumerate(_PERMISSION_MODELS, 1):
        content_types.append({"id": ct_id, "app_label": "lava_scheduler_app", "model": model})
        codenames = [
            (f"{a}_{model}", f"Can {a} {verbose}") for a in ("add", "change", "delete", "view")
        ]
        for codename, name in (*codenames, *extra):
            permissions.append(
                {
                    "id": len(permissions) + 1,
                    "name": name,
                    "content_type_id": ct_id,
                    "codename": codename,
                }
            )
            if codename == "view_devicetype":
                view_devicetype = len(permissions)
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


def _device_type_rows() -> dict[Table, list[Row]]:
    types = [
        {
            "name": s.name,
            "architecture_id": s.architecture,
            "processor_id": s.processor,
            "cpu_model": s.cpu_model,
            "bits_id": s.bits,
            "core_count": s.core_count,
            "description": s.description,
            "health_frequency": 24 if s.name != "x86" else 50,
            "disable_health_check": False,
            "health_denominator": int(s.name == "x86"),
            "display": True,
        }
        for s in _TYPES
    ]
    core_pairs = [(s.name, core) for s in _TYPES for core in s.cores]
    return {
        m.Architecture.__table__: [{"name": n} for n in sorted({s.architecture for s in _TYPES})],
        m.ProcessorFamily.__table__: [{"name": n} for n in sorted({s.processor for s in _TYPES})],
        m.BitWidth.__table__: [{"width": w} for w in sorted({s.bits for s in _TYPES})],
        m.Core.__table__: [{"name": n} for n in sorted({c for _, c in core_pairs})],
        m.DeviceType.__table__: types,
        m.DeviceTypeCore.__table__: [
            {"id": n, "devicetype_id": t, "core_id": c} for n, (t, c) in enumerate(core_pairs, 1)
        ],
        m.Alias.__table__: [
            {"name": a, "device_type_id": s.name} for s in _TYPES for a in s.aliases
        ],
    }


def _device_rows(devices: Sequence[_Device], rng: random.Random) -> dict[Table, list[Row]]:
    now = EPOCH + dt.timedelta(days=1)
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
    tag_ids = {name: n for n, (name, _) in enumerate(_TAGS, 1)}
    owners = {
        "rpi4b": (_ALICE, None),
        "juno-r2": (None, _LAB_TEAM),
        "imx8mq": (None, _SECRET_PROJECT),
    }
    rows = []
    for device in devices:
        owner, group = owners.get(device.spec.name, (None, None))
        rows.append(
            {
                "hostname": device.hostname,
                "device_type_id": device.spec.name,
                "device_version": "rev-b" if device.spec.name != "qemu" else None,
                "physical_owner_id": owner,
                "physical_group_id": group,
                "description": f"{device.spec.description} in {device.worker}",
                "state": int(DeviceState.IDLE),
                "health": int(device.health),
                "last_health_report_job_id": None,
                "worker_host_id": device.worker,
                "is_synced": False,
            }
        )
    device_tags = [(d.hostname, tag_ids[t]) for d in devices for t in d.tags]
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


# --- jobs, results and logs ---------------------------------------------------------------


@dataclasses.dataclass
class _Rows:
    """The rows of one chunk of jobs, in foreign-key order."""

    jobs: list[Row] = dataclasses.field(default_factory=list)
    job_tags: list[Row] = dataclasses.field(default_factory=list)
    viewing_groups: list[Row] = dataclasses.field(default_factory=list)
    logs: list[Row] = dataclasses.field(default_factory=list)
    suites: list[Row] = dataclasses.field(default_factory=list)
    sets: list[Row] = dataclasses.field(default_factory=list)
    cases: list[Row] = dataclasses.field(default_factory=list)

    def tables(self) -> Iterator[tuple[Table, list[Row]]]:
        """Each table with its rows, parents first."""
        yield m.TestJob.__table__, self.jobs
        yield m.TestJobTag.__table__, self.job_tags
        yield m.TestJobViewingGroup.__table__, self.viewing_groups
        yield m.JobLog.__table__, self.logs
        yield m.TestSuite.__table__, self.suites
        yield m.TestSet.__table__, self.sets
        yield m.TestCase.__table__, self.cases


@dataclasses.dataclass
class _Job:
    """The facts about one job that its results and log are made from."""

    id: int
    state: int
    stage: int
    spec: _TypeSpec
    plan: _Plan
    suites: int
    device: _Device | None
    start: float | None = None
    end: float | None = None
    failure: tuple[str, str] | None = None


def _at(seconds: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds)


def _decimal(rng: random.Random, low: int, high: int, places: int) -> Decimal:
    whole = rng.randrange(low, high + 1)
    fraction = rng.randrange(10**places)
    return Decimal(f"{whole}.{fraction:0{places}d}")


class _LabBuilder:
    """Makes the rows of the lab, consuming one random stream in a fixed order."""

    def __init__(self, rng: random.Random, jobs: int, logs: int) -> None:
        self.rng = rng
        self.jobs = jobs
        self.first_logged = jobs - logs + 1
        self.first_tail = jobs - len(_TAIL) + 1
        self.texts = _Texts.build()
        self.devices = _build_devices()
        self.type_choices = tuple(d.spec for d in self.devices)
        self.by_type = {s.name: [d for d in self.devices if d.spec is s] for s in _TYPES}
        self.tag_ids = {name: n for n, (name, _) in enumerate(_TAGS, 1)}
        self.suite_id = self.set_id = self.case_id = self.tag_row = self.group_row = 0
        self.logs = 0

    # inventory

    def inventory(self) -> dict[Table, list[Row]]:
        """Every inventory row, parents first."""
        return {
            **_user_rows(),
            **_device_type_rows(),
            **_device_rows(self.devices, self.rng),
            **_permission_rows(),
        }

    # jobs

    def chunk(self, first: int, last: int) -> _Rows:
        """The rows of jobs ``first`` to ``last`` (inclusive) and of their results and logs."""
        rows = _Rows()
        for job_id in range(first, last + 1):
            self._job(job_id, rows)
        return rows

    def _job(self, job_id: int, rows: _Rows) -> None:
        rng = self.rng
        state = _TAIL[job_id - self.first_tail] if job_id >= self.first_tail else JobState.FINISHED
        health, stage = self._outcome(state)
        health_check = (
            state == JobState.SCHEDULED and job_id == self.first_tail + _TAIL.index(state)
        ) or (state == JobState.FINISHED and rng.random() < 0.05)
        device = self._holding_device() if state in _HOLDING_STATES else None
        spec = (
            device.spec if device else self.type_choices[int(rng.random() * len(self.type_choices))]
        )
        if device is None and stage != _NOT_RUN:
            device = min(self.by_type[spec.name], key=lambda d: d.free_at)
        plan = (
            _HEALTH_PLAN if health_check else _PLAN_CHOICES[int(rng.random() * len(_PLAN_CHOICES))]
        )
        job = _Job(job_id, int(state), stage, spec, plan, 1 + (rng.random() < 0.25), device)
        submit = (job_id + rng.random()) * SUBMIT_INTERVAL
        self._schedule(job, submit, state)
        rows.jobs.append(self._job_row(job, health, health_check, submit, rows))
        if stage != _NOT_RUN:
            first_case, first_suite, first_set = len(rows.cases), len(rows.suites), len(rows.sets)
            self._results(job, rows)
            if job_id >= self.first_logged:
                rows.logs.append(
                    {
                        "job_id": job_id,
                        "content": self._log(
                            job,
                            rows.cases[first_case:],
                            rows.suites[first_suite:],
                            rows.sets[first_set:],
                        ),
                    }
                )
                self.logs += 1

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
        """A usable device that has no unfinished job yet (only the newest jobs hold one)."""
        free = [d for d in self.devices if d.usable and d.state == DeviceState.IDLE]
        return free[int(self.rng.random() * len(free))]

    def _schedule(self, job: _Job, submit: float, state: JobState) -> None:
        """Set the job's start and end, keeping each device to one job at a time."""
        rng, device = self.rng, job.device
        if state in _HOLDING_STATES:
            device.state = _HOLDING_STATES[state]
        if job.stage == _NOT_RUN:
            if state == JobState.FINISHED:  # canceled while queued: start = end
                job.start = job.end = submit + 60 + rng.random() * 3540
            return
        job.start = max(submit + 5 + rng.random() * 115, device.free_at + 5)
        if job.stage == _RUNNING:
            return
        low, high = job.plan.run_seconds
        length = low + rng.random() * (high - low)
        job.end = job.start + (length if job.stage == _COMPLETE else length * 0.5)
        device.free_at = job.end

    def _job_row(
        self, job: _Job, health: JobHealth, health_check: bool, submit: float, rows: _Rows
    ) -> Row:
        rng, spec = self.rng, job.spec
        if health_check:
            submitter, group, public = _HEALTH, None, True
            name, priority = f"{spec.name}-health", ("medium", 50)
        else:
            pool = _RESTRICTED_SUBMITTERS if spec.name == _RESTRICTED_TYPE else _SUBMITTERS
            submitter = pool[int(rng.random() * len(pool))]
            public = rng.random() >= 0.10
            group = None if public else self._viewing_group(submitter)
            name = f"{job.plan.name}-{spec.name}"
            priority = _PRIORITIES[int(rng.random() * len(_PRIORITIES))]
        queue = (None, None, None, None, 2, 4, 8, None, None, None)[int(rng.random() * 10)]
        metadata = (
            {}
            if health_check or rng.random() >= 0.4
            else {
                "branch": _BRANCHES[int(rng.random() * len(_BRANCHES))],
                "build": str(1000 + job.id // 40),
            }
        )
        tag = None
        if job.device and not health_check and rng.random() < 0.15:
            tag = job.device.tags[int(rng.random() * len(job.device.tags))]
            self.tag_row += 1
            rows.job_tags.append(
                {"id": self.tag_row, "testjob_id": job.id, "tag_id": self.tag_ids[tag]}
            )
        if group is not None:
            self.group_row += 1
            rows.viewing_groups.append(
                {"id": self.group_row, "testjob_id": job.id, "group_id": group}
            )
        if health_check and job.device and job.state == _FINISHED:
            job.device.last_health_report = job.id
        definition = "".join(
            (
                self.texts.actions[job.plan.name, spec.name, job.suites],
                f"device_type: {spec.name}\njob_name: {name}\n",
                f"metadata:\n  branch: {metadata['branch']}\n  build: '{metadata['build']}'\n"
                if metadata
                else "",
                f"priority: {priority[0]}\n",
                self.texts.tags[tag] if tag else "",
                self.texts.timeouts[job.plan.timeout_minutes, queue],
                "visibility: public\n" if public else self.texts.visibility[group],
            )
        )
        job.failure = self._failure(job)
        return {
            "id": job.id,
            "sub_id": "",
            "is_public": public,
            "target_group": None,
            "submitter_id": submitter,
            "description": name,
            "health_check": health_check,
            "requested_device_type_id": spec.name,
            "requested_device_id": None,
            "requested_worker_id": None,
            "actual_device_id": job.device.hostname if job.device else None,
            "submit_time": _at(submit),
            "start_time": None if job.start is None else _at(job.start),
            "end_time": None if job.end is None else _at(job.end),
            "state": job.state,
            "health": int(health),
            "priority": priority[1],
            "definition": definition,
            "original_definition": definition,
            "multinode_definition": "",
            "pipeline_compatibility": 0,
            "queue_timeout": None if queue is None else queue * 3600,
            "failure_comment": job.failure[1] if job.failure and job.stage != _STOPPED else None,
            "token": f"{rng.getrandbits(128):032x}",
            "metadata": metadata,
        }

    def _viewing_group(self, submitter: int) -> int | None:
        """The group a private job is shared with, or None for a personal job."""
        if self.rng.random() < 0.5:
            return None
        if submitter in (_ALICE, _BOB):
            return _LAB_TEAM
        return _SECRET_PROJECT if submitter == _CAROL else None

    def _failure(self, job: _Job) -> tuple[str, str] | None:
        if job.stage == _BOOT_FAILED:
            return _BOOT_FAILURES[int(self.rng.random() * len(_BOOT_FAILURES))]
        if job.stage == _TEST_FAILED:
            return _TEST_FAILURES[int(self.rng.random() * len(_TEST_FAILURES))]
        return _CANCELED if job.stage == _STOPPED else None

    # results

    def _results(self, job: _Job, rows: _Rows) -> None:
        logged = _at(job.start if job.end is None else job.end)
        lava = self._suite_row(rows, job.id, "lava")
        boot_failed = job.stage == _BOOT_FAILED
        self._lava_case(rows, lava, "validate", _PASS, 1, 90, logged)
        self._lava_case(rows, lava, job.spec.deploy_case, _PASS, 500, 12000, logged)
        self._lava_case(
            rows, lava, "auto-login-action", _FAIL if boot_failed else _PASS, 1000, 9000, logged
        )
        if not boot_failed:
            for index in range(job.suites):
                partial = (
                    job.stage in (_TEST_FAILED, _STOPPED, _RUNNING) and index == job.suites - 1
                )
                self._test_suite(rows, job.id, index, job.plan.suites[index], partial, logged)
        if job.state == _FINISHED:
            self.case_id += 1
            rows.cases.append(
                {
                    "id": self.case_id,
                    "name": "job",
                    "units": "",
                    "result": _PASS if job.failure is None else _FAIL,
                    "measurement": None,
                    "metadata": self.texts.job_metadata[job.failure],
                    "suite_id": lava,
                    "start_log_line": None,
                    "end_log_line": None,
                    "test_set_id": None,
                    "logged": logged,
                }
            )

    def _suite_row(self, rows: _Rows, job_id: int, name: str) -> int:
        self.suite_id += 1
        rows.suites.append({"id": self.suite_id, "job_id": job_id, "name": name})
        return self.suite_id

    def _lava_case(
        self,
        rows: _Rows,
        suite_id: int,
        name: str,
        result: int,
        low: int,
        high: int,
        logged: dt.datetime,
    ) -> None:
        """A dispatcher action result; its duration (hundredths of a second) is the measurement."""
        hundredths = self.rng.randrange(low, high)
        duration = f"{hundredths // 100}.{hundredths % 100:02d}"
        self.case_id += 1
        rows.cases.append(
            {
                "id": self.case_id,
                "name": name,
                "units": "seconds",
                "result": result,
                "measurement": Decimal(duration),
                "metadata": f"case: {name}\ndefinition: lava\nduration: '{duration}'\n"
                f"result: {_RESULT_NAMES[result]}\n",
                "suite_id": suite_id,
                "start_log_line": None,
                "end_log_line": None,
                "test_set_id": None,
                "logged": logged,
            }
        )

    def _test_suite(
        self,
        rows: _Rows,
        job_id: int,
        index: int,
        suite: _Suite,
        partial: bool,
        logged: dt.datetime,
    ) -> None:
        rng = self.rng
        label = f"{index}_{suite.name}"
        suite_id = self._suite_row(rows, job_id, label)
        count = min(len(suite.cases), 3 + int(rng.random() * 10))
        if partial:
            count = 1 + count // 2
        sets: dict[str, int] = {}
        metadata = self.texts.case_metadata
        for position, (name, set_name) in enumerate(suite.cases[:count]):
            r = rng.random()
            result = _PASS if r < 0.85 else _FAIL if r < 0.93 else _SKIP if r < 0.98 else _UNKNOWN
            set_id = self._set_id(rows, sets, suite_id, set_name) if set_name else None
            self.case_id += 1
            if suite.units:
                value = _decimal(rng, suite.low, suite.high, 2 + position % 3)
                case_text = (
                    f"case: {name}\ndefinition: {label}\nmeasurement: '{value}'\n"
                    f"result: {_RESULT_NAMES[result]}\nunits: {suite.units}\n"
                )
            else:
                value, case_text = None, metadata[label, name][result]
            rows.cases.append(
                {
                    "id": self.case_id,
                    "name": name,
                    "units": suite.units,
                    "result": result,
                    "measurement": value,
                    "metadata": case_text,
                    "suite_id": suite_id,
                    "start_log_line": None,
                    "end_log_line": None,
                    "test_set_id": set_id,
                    "logged": logged,
                }
            )

    def _set_id(self, rows: _Rows, sets: dict[str, int], suite_id: int, name: str) -> int:
        if name not in sets:
            self.set_id += 1
            sets[name] = self.set_id
            rows.sets.append({"id": self.set_id, "name": name, "suite_id": suite_id})
        return sets[name]

    # logs

    def _log(self, job: _Job, cases: list[Row], suites: list[Row], sets: list[Row]) -> str:
        """The job's output.yaml: one flow mapping per line, scalars double-quoted."""
        suite_names = {s["id"]: s["name"] for s in suites}
        set_names = {s["id"]: s["name"] for s in sets}
        entries = [
            ("info", f'"lava-dispatcher, installed at version: {DISPATCHER_VERSION}"'),
            ("info", f'"Start time: {_at(job.start).isoformat(" ")} (UTC)"'),
        ]
        current = None
        for case in cases:
            definition = suite_names[case["suite_id"]]
            if definition == "lava" and case["name"] != "job":
                entries.append(("info", f'"start: {case["name"]}"'))
            elif definition not in (current, "lava"):
                entries.append(("info", f'"start: lava-test-shell {definition}"'))
            if case["name"] == "auto-login-action":
                entries.append(("target", '"Linux version 6.1.0-demo (build@lava) #1 SMP"'))
            current = definition
            set_name = set_names.get(case["test_set_id"])
            entries.append(("results", _results_message(definition, case, set_name, job.failure)))
        if job.state == _FINISHED:
            entries.append(
                ("info", '"Job finished correctly"')
                if job.failure is None
                else ("error", json.dumps(job.failure[1]))
            )
        end = job.end if job.end is not None else job.start + 30 * len(entries)
        step = (end - job.start) / max(1, len(entries) - 1)
        return "".join(
            f'- {{"dt": "{_log_time(job.start + n * step)}", "lvl": "{level}", "msg": {message}}}\n'
            for n, (level, message) in enumerate(entries)
        )


def _log_time(seconds: float) -> str:
    return _at(seconds).replace(tzinfo=None).isoformat(timespec="microseconds")


def _results_message(
    definition: str, case: Row, set_name: str | None, failure: tuple[str, str] | None
) -> str:
    """A `results` log message: the mapping the case's metadata was dumped from, as JSON."""
    name, measurement = case["name"], case["measurement"]
    parts = [f'"case": "{name}"', f'"definition": "{definition}"']
    if definition == "lava" and measurement is not None:
        parts.append(f'"duration": "{measurement}"')
    if name == "job" and definition == "lava" and failure is not None:
        parts.append(f'"error_msg": {json.dumps(failure[1])}, "error_type": "{failure[0]}"')
    if definition != "lava" and measurement is not None:
        parts.append(f'"measurement": "{measurement}"')
    parts.append(f'"result": "{_RESULT_NAMES[case["result"]]}"')
    if set_name:
        parts.append(f'"set": "{set_name}"')
    if definition != "lava" and case["units"]:
        parts.append(f'"units": "{case["units"]}"')
    return "{" + ", ".join(parts) + "}"


# --- writing ------------------------------------------------------------------------------


_MUST_BE_EMPTY = (
    (m.TestJob, "jobs"),
    (m.User, "users"),
    (m.DeviceType, "device types"),
    (m.Worker, "workers"),
    (m.Tag, "tags"),
)


async def _refuse_filled(conn: AsyncConnection) -> None:
    for model, label in _MUST_BE_EMPTY:
        key = next(iter(model.__table__.primary_key.columns))
        if (await conn.execute(select(key).limit(1))).first() is not None:
            raise ValueError(
                f"the database already has {label}: the demo lab needs an empty, migrated database"
            )


async def _insert(conn: AsyncConnection, table: Table, rows: list[Row]) -> None:
    statement = insert(table)
    for start in range(0, len(rows), BATCH_ROWS):
        await conn.execute(statement, rows[start : start + BATCH_ROWS])


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

    Only the newest ``logs`` jobs (default: up to 10,000) that ran get a job log.
    ``progress(done, total)`` is called after each chunk of jobs is written. Raises
    ValueError if the database already has jobs (or users, device types, workers, tags).
    """
    if jobs < 0 or (logs is not None and logs < 0):
        raise ValueError("the numbers of jobs and logs must not be negative")
    builder = _LabBuilder(
        random.Random(seed), jobs, min(jobs, DEFAULT_LOGS if logs is None else logs)
    )
    postgresql = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        await _refuse_filled(conn)
        for table, rows in builder.inventory().items():
            await _insert(conn, table, rows)
        for first in range(1, jobs + 1, CHUNK_JOBS):
            last = min(jobs, first + CHUNK_JOBS - 1)
            for table, rows in builder.chunk(first, last).tables():
                await _insert(conn, table, rows)
            if progress is not None:
                progress(last, jobs)
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
    """A progress printer for `generate_demo` that rewrites one line on ``stream`` (stderr).

    It prints at most ten times a second, and always the final state, followed by a newline.
    """
    out = sys.stderr if stream is None else stream
    shown_at = -1.0
    done_printing = False

    def show(done: int, total: int) -> None:
        nonlocal shown_at, done_printing
        now = time.monotonic()
        finished = done >= total
        if done_printing or (not finished and now - shown_at < 0.1):
            return
        shown_at = now
        fraction = done / total if total else 1.0
        filled = int(20 * fraction)
        bar = "#" * filled + "-" * (20 - filled)
        out.write(f"\rjobs {done:>{len(str(total))}}/{total} [{bar}] {fraction:.0%}")
        if finished:
            out.write("\n")
            done_printing = True
        out.flush()

    return show
