"""The older top-level scheduler.* job methods."""

from __future__ import annotations

import xmlrpc.client

import yaml

from tests.support.definitions import MULTINODE, SINGLE, usable_device_type
from tests.support.xmlrpc import fault, finished_demo_job, xmlrpc_proxy


def test_job_details_state_and_health(lab, member):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    job_id = finished_demo_job(anonymous)
    details = anonymous.scheduler.job_details(job_id)
    assert details["id"] == job_id and details["state"] == "Finished"
    assert details["health"] == "Complete" and details["status"] == "Complete"
    assert details["absolute_url"] == f"/scheduler/job/{job_id}" and details["is_pipeline"]
    assert isinstance(details["submit_time"], xmlrpc.client.DateTime)
    assert not {"token", "_state", "_old_state", "_old_health"} & set(details)
    assert details["submitter_email"] is None  # shown only to its owner and superusers
    assert anonymous.scheduler.job_health(job_id) == {"job_id": job_id, "job_health": "Complete"}
    assert anonymous.scheduler.job_state(job_id) == {"job_id": job_id, "job_state": "Finished"}
    private = lab.scenario.personal_job
    assert fault(lambda: anonymous.scheduler.job_details(private)) == (
        403,
        f"Job '{private}' not available to user 'AnonymousUser'.",
    )


def test_multinode_state_carries_the_sub_id(lab, member):
    device_type = usable_device_type(lab.sync_url)
    sub_ids = member.scheduler.submit_job(MULTINODE.format(device_type=device_type))
    state = member.scheduler.job_state(sub_ids[1])
    assert state["sub_id"] == sub_ids[1] and state["job_state"] == "Submitted"
    unfinished = member.scheduler.all_jobs()
    mine = [row for row in unfinished if row[5] in sub_ids]
    assert len(mine) == 3 and all(row[2] == "submitted" for row in mine)
    assert mine[0][4]["name"] == device_type and mine[0][3] is None
    counts = member.scheduler.pending_jobs_by_device_type()
    assert counts[device_type] >= 3
    member.scheduler.cancel_job(sub_ids[0])
    assert member.scheduler.pending_jobs_by_device_type()[device_type] == counts[device_type] - 3


def test_recent_jobs_for_a_device_type(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    device_type = usable_device_type(lab.sync_url)
    recent = anonymous.scheduler.get_recent_jobs_for_device_type(device_type, 3)
    assert 0 < len(recent) <= 3 and list(recent[0]) == ["id", "description", "status", "device"]
    assert [job["id"] for job in recent] == sorted((job["id"] for job in recent), reverse=True)
    assert fault(lambda: anonymous.scheduler.get_recent_jobs_for_device_type("")) == (
        400,
        "Bad request: device_type was not specified.",
    )
    assert fault(lambda: anonymous.scheduler.get_recent_jobs_for_device_type(device_type, -1)) == (
        400,
        "Bad request: count must not be negative.",
    )
    assert fault(lambda: anonymous.scheduler.get_recent_jobs_for_device_type("nosuch"))[0] == -32603


def test_validate_yaml_and_job_output(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    device_type = usable_device_type(lab.sync_url)
    assert (
        anonymous.scheduler.validate_yaml(
            SINGLE.format(device_type=device_type, visibility="public")
        )
        is None
    )
    assert fault(lambda: anonymous.scheduler.validate_yaml("job_name: x\ndevice_type: q\n")) == (
        400,
        "Invalid YAML submission: required key not provided @ data['actions']",
    )
    code, text = fault(lambda: anonymous.scheduler.validate_yaml("{{{ not yaml"))
    assert code == 400 and text.startswith("Decoding job submission failed: ")
    job_id = finished_demo_job(anonymous)
    whole = anonymous.scheduler.job_output(job_id).data
    assert anonymous.scheduler.job_output(job_id, 10).data == whole[10:]
    assert yaml.safe_load(whole)[0]["lvl"]
