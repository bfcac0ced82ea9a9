"""Device changes: retiring a device cancels the job running on it, with both events."""

from __future__ import annotations

import datetime as dt

import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.models import Device, TestJob, User
from gql_server.lab.enums import DeviceHealth, DeviceState, JobState


def _running_job_on_a_new_device(lab) -> int:
    engine = sqlalchemy.create_engine(lab.sync_url)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        session.add(
            Device(
                hostname="vis-retire-01",
                device_type_id="vis-public-type",
                state=int(DeviceState.RUNNING),
                health=int(DeviceHealth.GOOD),
            )
        )
        session.flush()
        job = TestJob(
            description="running-on-retired",
            submitter_id=owner.id,
            requested_device_type_id="vis-public-type",
            actual_device_id="vis-retire-01",
            submit_time=now,
            start_time=now,
            state=int(JobState.RUNNING),
        )
        session.add(job)
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


def test_retiring_a_device_cancels_its_running_job(lab):
    job_id = _running_job_on_a_new_device(lab)
    token = lab.tokens["vis-admin"]
    retired = lab.client.execute(
        'mutation { setDeviceHealth(hostname: "vis-retire-01", health: RETIRED)'
        " { health currentJob { id state } } }",
        token=token,
    )["setDeviceHealth"]
    assert retired["health"] == "RETIRED"
    assert retired["currentJob"] == {"id": job_id, "state": "CANCELING"}
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        topics = (
            connection.execute(
                sqlalchemy.text(
                    "SELECT topic FROM gql_server_event"
                    " WHERE job_id = :j OR data LIKE :d ORDER BY id"
                ),
                {"j": job_id, "d": '%"vis-retire-01"%'},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert topics[-2:] == ["org.lavasoftware.testjob", "org.lavasoftware.device"]
