"""A small, explicit visibility scenario added next to the demo lab.

Users: ``vis-owner`` (submits everything), ``vis-member`` (in group ``vis-team``),
``vis-outsider`` (in no group), ``vis-secret`` (in ``vis-secret-group``), ``vis-admin``
(superuser). Device type ``vis-secret-type`` is view-restricted to ``vis-secret-group``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.models import (
    ContentType,
    Device,
    DeviceType,
    Group,
    GroupDeviceTypePermission,
    Permission,
    TestJob,
    TestJobViewingGroup,
    User,
    UserGroup,
)
from gql_server.lab.enums import DeviceHealth, JobHealth, JobState

USERS = ("vis-owner", "vis-member", "vis-outsider", "vis-secret", "vis-admin")


@dataclasses.dataclass(frozen=True)
class Scenario:
    """Job ids of each visibility case."""

    public_job: int
    personal_job: int
    group_job: int
    secret_type_job: int


def _permission(session: Session, codename: str, model: str) -> Permission:
    content_type = session.scalars(
        sqlalchemy.select(ContentType).where(
            ContentType.app_label == "lava_scheduler_app", ContentType.model == model
        )
    ).first()
    if content_type is None:
        content_type = ContentType(app_label="lava_scheduler_app", model=model)
        session.add(content_type)
        session.flush()
    permission = session.scalars(
        sqlalchemy.select(Permission).where(
            Permission.codename == codename, Permission.content_type_id == content_type.id
        )
    ).first()
    if permission is None:
        permission = Permission(name=codename, codename=codename, content_type_id=content_type.id)
        session.add(permission)
        session.flush()
    return permission


def add_scenario(sync_database_url: str) -> Scenario:
    """Insert the scenario's users, inventory and jobs; returns the job ids."""
    engine = sqlalchemy.create_engine(sync_database_url)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with Session(engine) as session:
        users = {name: User(username=name, is_superuser=name == "vis-admin") for name in USERS}
        session.add_all(users.values())
        team, secret = Group(name="vis-team"), Group(name="vis-secret-group")
        session.add_all([team, secret])
        session.flush()
        session.add_all(
            [
                UserGroup(user_id=users["vis-member"].id, group_id=team.id),
                UserGroup(user_id=users["vis-secret"].id, group_id=secret.id),
            ]
        )
        session.add_all([DeviceType(name="vis-public-type"), DeviceType(name="vis-secret-type")])
        session.flush()
        session.add_all(
            [
                Device(
                    hostname="vis-public-01",
                    device_type_id="vis-public-type",
                    health=int(DeviceHealth.GOOD),
                ),
                Device(
                    hostname="vis-secret-01",
                    device_type_id="vis-secret-type",
                    health=int(DeviceHealth.GOOD),
                ),
            ]
        )
        session.add(
            GroupDeviceTypePermission(
                permission_id=_permission(session, "view_devicetype", "devicetype").id,
                group_id=secret.id,
                devicetype_id="vis-secret-type",
            )
        )

        def job(description: str, public: bool, device_type: str) -> TestJob:
            made = TestJob(
                description=description,
                is_public=public,
                submitter_id=users["vis-owner"].id,
                requested_device_type_id=device_type,
                actual_device_id=device_type.replace("-type", "-01"),
                submit_time=now,
                start_time=now,
                end_time=now + dt.timedelta(minutes=3),
                state=int(JobState.FINISHED),
                health=int(JobHealth.COMPLETE),
            )
            session.add(made)
            session.flush()
            return made

        public_job = job("vis-public", True, "vis-public-type")
        personal_job = job("vis-personal", False, "vis-public-type")
        group_job = job("vis-group", False, "vis-public-type")
        session.add(TestJobViewingGroup(testjob_id=group_job.id, group_id=team.id))
        secret_type_job = job("vis-secret", True, "vis-secret-type")
        session.commit()
        scenario = Scenario(public_job.id, personal_job.id, group_job.id, secret_type_job.id)
    engine.dispose()
    return scenario
