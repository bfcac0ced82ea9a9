"""SQLAlchemy models, named after LAVA's Django tables and columns.

Only the tables gql-server reads or writes are declared. Foreign keys are plain
columns: relations are walked through resolvers and data loaders, never through
lazy ORM attributes (which an async session cannot load).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gql_server.db.types import ExactDecimal, JSONDocument, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names."""

    metadata = MetaData(naming_convention=NAMING)


# --- users, groups, permissions, tokens -------------------------------------------------


class User(Base):
    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    password: Mapped[str] = mapped_column(String(128), default="!")
    last_login: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_joined: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Group(Base):
    __tablename__ = "auth_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)


class UserGroup(Base):
    __tablename__ = "auth_user_groups"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )


class ContentType(Base):
    __tablename__ = "django_content_type"
    __table_args__ = (UniqueConstraint("app_label", "model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_label: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))


class Permission(Base):
    __tablename__ = "auth_permission"
    __table_args__ = (UniqueConstraint("content_type_id", "codename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type_id: Mapped[int] = mapped_column(ForeignKey("django_content_type.id"))
    codename: Mapped[str] = mapped_column(String(100), index=True)


class UserPermission(Base):
    __tablename__ = "auth_user_user_permissions"
    __table_args__ = (UniqueConstraint("user_id", "permission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)
    permission_id: Mapped[int] = mapped_column(ForeignKey("auth_permission.id"))


class GroupPermission(Base):
    __tablename__ = "auth_group_permissions"
    __table_args__ = (UniqueConstraint("group_id", "permission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )
    permission_id: Mapped[int] = mapped_column(ForeignKey("auth_permission.id"))


class AuthToken(Base):
    """An API token. ``secret`` holds the SHA-256 hex digest, never the secret itself."""

    __tablename__ = "linaro_django_xmlrpc_authtoken"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_on: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_on: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)


# --- lab inventory -----------------------------------------------------------------------


class Architecture(Base):
    __tablename__ = "lava_scheduler_app_architecture"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


class ProcessorFamily(Base):
    __tablename__ = "lava_scheduler_app_processorfamily"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


class BitWidth(Base):
    __tablename__ = "lava_scheduler_app_bitwidth"

    width: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)


class Core(Base):
    __tablename__ = "lava_scheduler_app_core"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


class DeviceType(Base):
    __tablename__ = "lava_scheduler_app_devicetype"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    architecture_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_architecture.name"), index=True
    )
    processor_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_processorfamily.name"), index=True
    )
    cpu_model: Mapped[str | None] = mapped_column(String(100))
    bits_id: Mapped[int | None] = mapped_column(
        ForeignKey("lava_scheduler_app_bitwidth.width"), index=True
    )
    core_count: Mapped[int | None] = mapped_column(SmallInteger)
    description: Mapped[str | None] = mapped_column(Text)
    health_frequency: Mapped[int] = mapped_column(Integer, default=24)
    disable_health_check: Mapped[bool] = mapped_column(Boolean, default=False)
    health_denominator: Mapped[int] = mapped_column(Integer, default=0)
    display: Mapped[bool] = mapped_column(Boolean, default=True)


class DeviceTypeCore(Base):
    __tablename__ = "lava_scheduler_app_devicetype_cores"
    __table_args__ = (UniqueConstraint("devicetype_id", "core_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    devicetype_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_devicetype.name", ondelete="CASCADE"), index=True
    )
    core_id: Mapped[str] = mapped_column(ForeignKey("lava_scheduler_app_core.name"), index=True)


class Alias(Base):
    __tablename__ = "lava_scheduler_app_alias"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    device_type_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_devicetype.name", ondelete="CASCADE"), index=True
    )


class Tag(Base):
    __tablename__ = "lava_scheduler_app_tag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class Worker(Base):
    __tablename__ = "lava_scheduler_app_worker"

    hostname: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[int] = mapped_column(Integer, default=1)
    health: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    last_ping: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    job_limit: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str | None] = mapped_column(String(50))
    token: Mapped[str] = mapped_column(String(32), default="")


class Device(Base):
    __tablename__ = "lava_scheduler_app_device"

    hostname: Mapped[str] = mapped_column(String(200), primary_key=True)
    device_type_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_devicetype.name"), index=True
    )
    device_version: Mapped[str | None] = mapped_column(String(200))
    physical_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), index=True
    )
    physical_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_group.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[int] = mapped_column(Integer, default=0)
    health: Mapped[int] = mapped_column(Integer, default=4)
    last_health_report_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("lava_scheduler_app_testjob.id", ondelete="SET NULL", use_alter=True),
        unique=True,
    )
    worker_host_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_worker.hostname", ondelete="SET NULL"), index=True
    )
    is_synced: Mapped[bool] = mapped_column(Boolean, default=False)


class DeviceTag(Base):
    __tablename__ = "lava_scheduler_app_device_tags"
    __table_args__ = (UniqueConstraint("device_id", "tag_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_device.hostname", ondelete="CASCADE"), index=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_tag.id", ondelete="CASCADE"), index=True
    )


class GroupDeviceTypePermission(Base):
    __tablename__ = "lava_scheduler_app_groupdevicetypepermission"
    __table_args__ = (UniqueConstraint("group_id", "permission_id", "devicetype_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permission_id: Mapped[int] = mapped_column(ForeignKey("auth_permission.id"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )
    devicetype_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_devicetype.name", ondelete="CASCADE"), index=True
    )


class GroupDevicePermission(Base):
    __tablename__ = "lava_scheduler_app_groupdevicepermission"
    __table_args__ = (UniqueConstraint("group_id", "permission_id", "device_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permission_id: Mapped[int] = mapped_column(ForeignKey("auth_permission.id"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_device.hostname", ondelete="CASCADE"), index=True
    )


class GroupWorkerPermission(Base):
    __tablename__ = "lava_scheduler_app_groupworkerpermission"
    __table_args__ = (UniqueConstraint("group_id", "permission_id", "worker_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permission_id: Mapped[int] = mapped_column(ForeignKey("auth_permission.id"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )
    worker_id: Mapped[str] = mapped_column(
        ForeignKey("lava_scheduler_app_worker.hostname", ondelete="CASCADE"), index=True
    )


# --- jobs --------------------------------------------------------------------------------


class TestJob(Base):
    __test__ = False
    __tablename__ = "lava_scheduler_app_testjob"
    __table_args__ = (
        Index("ix_testjob_health_state_type", "health", "state", "requested_device_type_id"),
        Index("ix_testjob_submit_time_id", "submit_time", "id"),
        Index("ix_testjob_submitter_id_id", "submitter_id", "id"),
        Index("ix_testjob_actual_device_id_id", "actual_device_id", "id"),
        Index("ix_testjob_requested_device_type_id_id", "requested_device_type_id", "id"),
        Index("ix_testjob_state_id", "state", "id"),
        # Covers the columns of job visibility, so that counting visible jobs reads
        # this index instead of whole rows (definitions included).
        Index(
            "ix_testjob_visibility",
            "is_public",
            "submitter_id",
            "actual_device_id",
            "requested_device_type_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub_id: Mapped[str] = mapped_column(String(200), default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    target_group: Mapped[str | None] = mapped_column(String(64))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id"))
    description: Mapped[str | None] = mapped_column(String(200))
    health_check: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_device_type_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_devicetype.name")
    )
    requested_device_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_device.hostname", ondelete="CASCADE")
    )
    requested_worker_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_worker.hostname", ondelete="CASCADE")
    )
    actual_device_id: Mapped[str | None] = mapped_column(
        ForeignKey("lava_scheduler_app_device.hostname")
    )
    submit_time: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    start_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[int] = mapped_column(Integer, default=0)
    health: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    definition: Mapped[str] = mapped_column(Text, default="")
    original_definition: Mapped[str] = mapped_column(Text, default="")
    multinode_definition: Mapped[str] = mapped_column(Text, default="")
    pipeline_compatibility: Mapped[int] = mapped_column(Integer, default=0)
    queue_timeout: Mapped[int | None] = mapped_column(BigInteger)
    failure_comment: Mapped[str | None] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(32), default="")
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONDocument, default=dict, server_default=text("'{}'")
    )


class TestJobTag(Base):
    __test__ = False
    __tablename__ = "lava_scheduler_app_testjob_tags"
    __table_args__ = (UniqueConstraint("testjob_id", "tag_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    testjob_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_testjob.id", ondelete="CASCADE"), index=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_tag.id", ondelete="CASCADE"), index=True
    )


class TestJobViewingGroup(Base):
    __test__ = False
    __tablename__ = "lava_scheduler_app_testjob_viewing_groups"
    __table_args__ = (UniqueConstraint("testjob_id", "group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    testjob_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_testjob.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("auth_group.id", ondelete="CASCADE"), index=True
    )


class JobLog(Base):
    """A job's log in LAVA's ``output.yaml`` line format (LAVA keeps it in a file)."""

    __tablename__ = "gql_server_joblog"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_testjob.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[str] = mapped_column(Text, default="")


# --- results -----------------------------------------------------------------------------


class TestSuite(Base):
    __test__ = False
    __tablename__ = "lava_results_app_testsuite"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("lava_scheduler_app_testjob.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))


class TestSet(Base):
    __test__ = False
    __tablename__ = "lava_results_app_testset"
    __table_args__ = (UniqueConstraint("suite_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    suite_id: Mapped[int] = mapped_column(
        ForeignKey("lava_results_app_testsuite.id", ondelete="CASCADE"), index=True
    )


class TestCase(Base):
    __test__ = False
    __tablename__ = "lava_results_app_testcase"
    __table_args__ = (
        Index("ix_testcase_suite_id_id", "suite_id", "id"),
        Index("ix_testcase_suite_id_result", "suite_id", "result"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    units: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[int] = mapped_column(SmallInteger)
    measurement: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    metadata_: Mapped[str | None] = mapped_column("metadata", String(4096))
    suite_id: Mapped[int] = mapped_column(
        ForeignKey("lava_results_app_testsuite.id", ondelete="CASCADE")
    )
    start_log_line: Mapped[int | None] = mapped_column(Integer)
    end_log_line: Mapped[int | None] = mapped_column(Integer)
    test_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("lava_results_app_testset.id", ondelete="SET NULL"), index=True
    )
    logged: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- events --------------------------------------------------------------------------------


class EventRecord(Base):
    """The event outbox: written in the transaction of the change it reports.

    ``seq`` is given by the publisher when it publishes the event, in publication order;
    it is the cursor subscribers resume from. Rows are kept after publication. ``device``
    names the device a ``.device`` event is about, so that a device's history is read
    from an index (newest first by cursor), not from the whole outbox.
    """

    __tablename__ = "gql_server_event"
    __table_args__ = (
        Index("ix_gql_server_event_unpublished", "seq", "id"),
        Index("ix_gql_server_event_device", "device", "seq"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    topic: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(150))
    data: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(Integer, index=True)
    device: Mapped[str | None] = mapped_column(String(200))


class PublisherMark(Base):
    """How far the publisher has sent the outbox: every event up to ``sent_through``
    (publication sequence) went out. Events numbered after it were claimed by a publisher
    that stopped before sending them; the next publisher sends them first."""

    __tablename__ = "gql_server_publisher_mark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_through: Mapped[int] = mapped_column(BigInteger, default=0)


class StoredFile(Base):
    """Text that LAVA keeps in files and we keep here: device dictionaries, device-type
    templates and health checks, worker configuration and environments. Stored and
    returned as given; ``kind`` says which, ``name`` whose (a hostname or type name)."""

    __tablename__ = "gql_server_stored_file"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    updated: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RemoteArtifactsAuth(Base):
    """A remote artifact token: a named secret of one user, sent to artifact servers on the
    user's behalf. Stored as given (it must be sent), shown only to its owner."""

    __tablename__ = "lava_scheduler_app_remoteartifactsauth"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))


# --- notifications -------------------------------------------------------------------------


class NotificationDelivery(Base):
    """One email, IRC message or callback request of a job's notification: the delivery
    queue, written in the transaction that decides to notify (an outbox).

    ``message`` holds what is sent, already rendered (subject and body, a line of text, or
    a request). A callback's request carries its secret in a header, so ``message`` is for
    the sender only, never shown. ``attempts`` counts claims; a claimed row's
    ``next_attempt`` is the end of the claim's lease. ``last_error`` never holds a secret.
    Enqueueing the same (job, event, kind, target) twice keeps the first row.
    """

    __tablename__ = "gql_server_notification"
    __table_args__ = (
        UniqueConstraint("job_id", "event", "kind", "target"),
        Index("ix_gql_server_notification_due", "status", "next_attempt"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2048))
    message: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CallbackSecret(Base):
    """A named secret of one user for notify callbacks (decisions.md §4).

    LAVA's callback ``token:`` names one of the submitter's API tokens by description and
    sends its secret; API tokens are stored hashed here, so users keep the secrets their
    callbacks send in this table instead. Stored as given (it must be sent), listed to its
    owner by name only.
    """

    __tablename__ = "gql_server_callback_secret"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(String(1024))
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExtendedUser(Base):
    """LAVA's per-user settings: the IRC handle and server notifications use when a
    recipient names only the user, and a UI preference kept for compatibility."""

    __tablename__ = "lava_scheduler_app_extendeduser"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), unique=True
    )
    irc_handle: Mapped[str | None] = mapped_column(String(40))
    irc_server: Mapped[str | None] = mapped_column(String(40))
    table_length: Mapped[int | None] = mapped_column(SmallInteger)
