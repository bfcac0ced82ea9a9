"""What each model can be filtered by over LAVA's REST API (rest-v02.md §6.1, and LAVA
master's job ``metadata__`` filters): the fields, their kinds and lookups, and the
relations a filter may follow. Keys of :data:`FIELD_SETS` name the models."""

from __future__ import annotations

from sqlalchemy import select

from gql_server.db.models import (
    Alias,
    Architecture,
    BitWidth,
    Core,
    Device,
    DeviceTag,
    DeviceType,
    DeviceTypeCore,
    Group,
    GroupDevicePermission,
    GroupDeviceTypePermission,
    Permission,
    ProcessorFamily,
    Tag,
    TestCase,
    TestJob,
    TestJobTag,
    TestJobViewingGroup,
    TestSet,
    TestSuite,
    User,
    UserGroup,
    Worker,
)
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    HealthDenominator,
    JobHealth,
    JobState,
    TestResult,
    WorkerHealth,
    WorkerState,
)
from gql_server.resolvers.lookups import Field, FieldSet, Kind, Relation

TEXT = frozenset({"exact", "in", "contains", "icontains", "startswith", "endswith"})
COMPARED = frozenset({"exact", "lt", "gt"})
RANGED = frozenset({"exact", "lt", "lte", "gt", "gte"})
TIMES = frozenset({"exact", "lt", "gt", "isnull"})
CHOICES = frozenset({"exact", "in"})
EXACT = frozenset({"exact"})
METADATA = frozenset(
    {
        "exact",
        "iexact",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "in",
        "isnull",
        "regex",
        "iregex",
    }
)


def _text(column) -> Field:
    return Field(column, Kind.TEXT, TEXT)


def _labels(column, labels, ignore_case: bool = False) -> Field:
    return Field(column, Kind.LABEL, CHOICES, labels, ignore_case)


def _named(model) -> FieldSet:
    return {"name": _text(model.name)}


JOB: FieldSet = {
    "id": Field(TestJob.id, Kind.NUMBER, frozenset({"exact", "lt", "gt", "in"})),
    "submit_time": Field(TestJob.submit_time, Kind.DATETIME, TIMES),
    "start_time": Field(TestJob.start_time, Kind.DATETIME, TIMES),
    "end_time": Field(TestJob.end_time, Kind.DATETIME, TIMES),
    "health_check": Field(TestJob.health_check, Kind.BOOLEAN, EXACT),
    "target_group": Field(
        TestJob.target_group,
        Kind.TEXT,
        frozenset({"exact", "iexact", "in", "contains", "icontains", "startswith"}),
    ),
    "state": _labels(TestJob.state, JobState),
    "health": _labels(TestJob.health, JobHealth),
    "priority": Field(TestJob.priority, Kind.NUMBER, RANGED | {"in"}),
    "description": _text(TestJob.description),
    "definition": _text(TestJob.definition),
    "original_definition": _text(TestJob.original_definition),
    "multinode_definition": _text(TestJob.multinode_definition),
    "failure_comment": Field(TestJob.failure_comment, Kind.TEXT, TEXT | {"isnull"}),
    "metadata": Field(TestJob.metadata_, Kind.DOCUMENT, METADATA),
    "requested_device_type": Relation(
        "device_type",
        lambda: select(DeviceType.name).where(DeviceType.name == TestJob.requested_device_type_id),
        "name",
        TestJob.requested_device_type_id,
    ),
    "actual_device": Relation(
        "device",
        lambda: select(Device.hostname).where(Device.hostname == TestJob.actual_device_id),
        "hostname",
        TestJob.actual_device_id,
    ),
    "tags": Relation(
        "tag",
        lambda: select(Tag.id).join(TestJobTag).where(TestJobTag.testjob_id == TestJob.id),
        "id",
    ),
    "viewing_groups": Relation(
        "group",
        lambda: (
            select(Group.id)
            .join(TestJobViewingGroup)
            .where(TestJobViewingGroup.testjob_id == TestJob.id)
        ),
        "id",
    ),
    "submitter": Relation(
        "user", lambda: select(User.id).where(User.id == TestJob.submitter_id), "id"
    ),
}

DEVICE_TYPE: FieldSet = {
    "name": _text(DeviceType.name),
    "cpu_model": _text(DeviceType.cpu_model),
    "description": _text(DeviceType.description),
    "health_frequency": Field(DeviceType.health_frequency, Kind.NUMBER, CHOICES),
    "core_count": Field(DeviceType.core_count, Kind.NUMBER, CHOICES),
    "disable_health_check": Field(DeviceType.disable_health_check, Kind.BOOLEAN, CHOICES),
    "display": Field(DeviceType.display, Kind.BOOLEAN, CHOICES),
    "health_denominator": _labels(DeviceType.health_denominator, HealthDenominator),
    "architecture": Relation(
        "architecture",
        lambda: select(Architecture.name).where(Architecture.name == DeviceType.architecture_id),
        "name",
        DeviceType.architecture_id,
    ),
    "processor": Relation(
        "processor",
        lambda: select(ProcessorFamily.name).where(ProcessorFamily.name == DeviceType.processor_id),
        "name",
        DeviceType.processor_id,
    ),
    "aliases": Relation(
        "alias", lambda: select(Alias.name).where(Alias.device_type_id == DeviceType.name), "name"
    ),
    "bits": Relation(
        "bit_width",
        lambda: select(BitWidth.width).where(BitWidth.width == DeviceType.bits_id),
        "width",
        DeviceType.bits_id,
    ),
    "cores": Relation(
        "core",
        lambda: (
            select(Core.name)
            .join(DeviceTypeCore)
            .where(DeviceTypeCore.devicetype_id == DeviceType.name)
        ),
        "name",
    ),
}

DEVICE: FieldSet = {
    "hostname": _text(Device.hostname),
    "device_version": _text(Device.device_version),
    "description": _text(Device.description),
    "state": _labels(Device.state, DeviceState),
    "health": _labels(Device.health, DeviceHealth, ignore_case=True),
    "is_synced": Field(Device.is_synced, Kind.BOOLEAN, EXACT),
    "device_type": Relation(
        "device_type",
        lambda: select(DeviceType.name).where(DeviceType.name == Device.device_type_id),
        "name",
        Device.device_type_id,
    ),
    "physical_owner": Relation(
        "user",
        lambda: select(User.id).where(User.id == Device.physical_owner_id),
        "id",
        Device.physical_owner_id,
    ),
    "physical_group": Relation(
        "group",
        lambda: select(Group.id).where(Group.id == Device.physical_group_id),
        "id",
        Device.physical_group_id,
    ),
    "tags": Relation(
        "tag",
        lambda: select(Tag.id).join(DeviceTag).where(DeviceTag.device_id == Device.hostname),
        "id",
    ),
    "worker_host": Relation(
        "worker",
        lambda: select(Worker.hostname).where(Worker.hostname == Device.worker_host_id),
        "hostname",
        Device.worker_host_id,
    ),
}

WORKER: FieldSet = {
    "hostname": _text(Worker.hostname),
    "description": _text(Worker.description),
    "last_ping": Field(Worker.last_ping, Kind.DATETIME, COMPARED),
    "state": _labels(Worker.state, WorkerState),
    "health": _labels(Worker.health, WorkerHealth),
}

TEST_SUITE: FieldSet = {
    "id": Field(TestSuite.id, Kind.NUMBER, COMPARED),
    "name": _text(TestSuite.name),
}

TEST_SET: FieldSet = {
    "id": Field(TestSet.id, Kind.NUMBER, COMPARED),
    "name": _text(TestSet.name),
    "suite": Relation(
        "test_suite", lambda: select(TestSuite.id).where(TestSuite.id == TestSet.suite_id), "id"
    ),
}

TEST_CASE: FieldSet = {
    "id": Field(TestCase.id, Kind.NUMBER, COMPARED | {"in"}),
    "start_log_line": Field(TestCase.start_log_line, Kind.NUMBER, RANGED),
    "end_log_line": Field(TestCase.end_log_line, Kind.NUMBER, RANGED),
    "logged": Field(TestCase.logged, Kind.DATETIME, RANGED),
    "measurement": Field(TestCase.measurement, Kind.DECIMAL, RANGED),
    "metadata": _text(TestCase.metadata_),
    "units": _text(TestCase.units),
    "name": _text(TestCase.name),
    "result": _labels(TestCase.result, TestResult, ignore_case=True),
    "suite": Relation(
        "test_suite",
        lambda: select(TestSuite.id).where(TestSuite.id == TestCase.suite_id),
        "id",
        TestCase.suite_id,
    ),
    "test_set": Relation(
        "test_set",
        lambda: select(TestSet.id).where(TestSet.id == TestCase.test_set_id),
        "id",
        TestCase.test_set_id,
    ),
}

TAG: FieldSet = {
    "id": Field(Tag.id, Kind.NUMBER, EXACT),
    "name": Field(Tag.name, Kind.TEXT, TEXT | {"iexact"}),
    "description": _text(Tag.description),
}

USER: FieldSet = {
    "id": Field(User.id, Kind.NUMBER, EXACT),
    "username": _text(User.username),
    "email": _text(User.email),
    "group": Relation(
        "group",
        lambda: select(Group.id).join(UserGroup).where(UserGroup.user_id == User.id),
        "id",
    ),
}

GROUP: FieldSet = {"id": Field(Group.id, Kind.NUMBER, EXACT), **_named(Group)}

PERMISSION: FieldSet = {
    "id": Field(Permission.id, Kind.NUMBER, EXACT),
    "codename": _text(Permission.codename),
}

DEVICE_TYPE_PERMISSION: FieldSet = {
    "device_type": Relation(
        "device_type",
        lambda: select(DeviceType.name).where(
            DeviceType.name == GroupDeviceTypePermission.devicetype_id
        ),
        "name",
        GroupDeviceTypePermission.devicetype_id,
    ),
    "group": Relation(
        "group",
        lambda: select(Group.id).where(Group.id == GroupDeviceTypePermission.group_id),
        "id",
        GroupDeviceTypePermission.group_id,
    ),
    "permission": Relation(
        "permission",
        lambda: select(Permission.id).where(
            Permission.id == GroupDeviceTypePermission.permission_id
        ),
        "id",
        GroupDeviceTypePermission.permission_id,
    ),
}

DEVICE_PERMISSION: FieldSet = {
    "device": Relation(
        "device",
        lambda: select(Device.hostname).where(Device.hostname == GroupDevicePermission.device_id),
        "hostname",
        GroupDevicePermission.device_id,
    ),
    "group": Relation(
        "group",
        lambda: select(Group.id).where(Group.id == GroupDevicePermission.group_id),
        "id",
        GroupDevicePermission.group_id,
    ),
    "permission": Relation(
        "permission",
        lambda: select(Permission.id).where(Permission.id == GroupDevicePermission.permission_id),
        "id",
        GroupDevicePermission.permission_id,
    ),
}

FIELD_SETS: dict[str, FieldSet] = {
    "job": JOB,
    "device_type": DEVICE_TYPE,
    "device": DEVICE,
    "worker": WORKER,
    "test_suite": TEST_SUITE,
    "test_set": TEST_SET,
    "test_case": TEST_CASE,
    "tag": TAG,
    "alias": _named(Alias),
    "architecture": _named(Architecture),
    "processor": _named(ProcessorFamily),
    "core": _named(Core),
    "bit_width": {"width": Field(BitWidth.width, Kind.NUMBER, CHOICES)},
    "user": USER,
    "group": GROUP,
    "permission": PERMISSION,
    "device_type_permission": DEVICE_TYPE_PERMISSION,
    "device_permission": DEVICE_PERMISSION,
}
