"""scheduler.jobs.*: submitting, showing, listing, following and canceling jobs."""

from __future__ import annotations

import datetime as dt
import xmlrpc.client

import pytest
import yaml

from tests.support.definitions import MULTINODE, SINGLE, usable_device_type
from tests.support.xmlrpc import fault, finished_demo_job, xmlrpc_proxy


@pytest.fixture
def device_type(lab) -> str:
    return usable_device_type(lab.sync_url)


def test_submit_show_definition_and_cancel(lab, member, device_type):
    definition = "# my job\n" + SINGLE.format(device_type=device_type, visibility="public")
    job_id = member.scheduler.jobs.submit(definition)
    assert isinstance(job_id, int)
    shown = member.scheduler.jobs.show(job_id)
    assert list(shown) == [
        "id", "description", "device", "device_type", "health_check", "pipeline", "health",
        "state", "submitter", "submit_time", "start_time", "end_time", "tags", "visibility",
        "failure_comment", "error_msg", "error_type",
    ]  # fmt: skip
    assert shown["id"] == job_id and shown["description"] == "smoke"
    assert shown["submitter"] == "vis-member" and shown["visibility"] == "Public"
    assert shown["state"] == "Submitted" and shown["health"] == "Unknown"
    assert isinstance(shown["submit_time"], xmlrpc.client.DateTime)
    submitted = dt.datetime.strptime(shown["submit_time"].value, "%Y%m%dT%H:%M:%S")
    assert abs(submitted - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=5)
    assert member.scheduler.jobs.definition(job_id) == definition
    assert member.scheduler.jobs.logs(job_id) == [False, xmlrpc.client.Binary(b"[]")]
    assert member.scheduler.jobs.cancel(job_id) is True
    assert member.scheduler.jobs.show(job_id)["health"] == "Canceled"
    assert member.scheduler.jobs.cancel(job_id) is True  # already finished: still true


def test_multinode_submission_answers_sub_ids(lab, member, device_type):
    sub_ids = member.scheduler.jobs.submit(MULTINODE.format(device_type=device_type))
    first = int(sub_ids[0].split(".")[0])
    assert sub_ids == [f"{first}.0", f"{first}.1", f"{first}.2"]
    assert member.scheduler.jobs.show(sub_ids[1])["id"] == sub_ids[1]
    assert member.scheduler.cancel_job(sub_ids[0]) is True
    assert {member.scheduler.jobs.show(s)["health"] for s in sub_ids} == {"Canceled"}


def test_submission_faults(lab, member, device_type):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    text = SINGLE.format(device_type=device_type, visibility="public")
    assert fault(lambda: anonymous.scheduler.jobs.submit(text)) == (
        401,
        "Authentication with user and token required for this API.",
    )
    code, message = fault(lambda: member.scheduler.jobs.submit("job_name: x\n"))
    assert code == 400 and message.startswith("Problem with submitted job data: ")
    unknown = SINGLE.format(device_type="nosuchtype", visibility="public")
    assert fault(lambda: member.scheduler.jobs.submit(unknown)) == (
        400,
        "Device unavailable: Device type 'nosuchtype' is unavailable.",
    )


def test_resubmit_and_cancel_rights(lab, member, device_type):
    job_id = member.scheduler.jobs.submit(
        SINGLE.format(device_type=device_type, visibility="public")
    )
    again = member.scheduler.jobs.resubmit(job_id)
    assert isinstance(again, int) and again > job_id
    outsider = xmlrpc_proxy(lab.server.base_url, "vis-outsider", lab.tokens["vis-outsider"])
    assert fault(lambda: outsider.scheduler.jobs.cancel(again)) == (403, "Permission denied.")
    assert fault(lambda: member.scheduler.jobs.cancel(0)) == (
        400,
        "Bad request: TestJob id was not specified.",
    )
    for job in (job_id, again):
        member.scheduler.jobs.cancel(job)


def test_list_pages_filters_and_verbose_times(lab, member):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    first = anonymous.scheduler.jobs.list()
    assert len(first) == 25
    assert list(first[0]) == ["id", "description", "device_type", "health", "state", "submitter"]
    ids = [job["id"] for job in first]
    numbers = [int(str(job_id).split(".")[0]) for job_id in ids]  # multinode: "12.1"
    assert numbers == sorted(numbers, reverse=True)
    assert [j["id"] for j in anonymous.scheduler.jobs.list(None, None, 5, 3)] == ids[5:8]
    assert len(anonymous.scheduler.jobs.list(None, None, -4, 500)) == 100
    finished = anonymous.scheduler.jobs.list("FINISHED", "complete", 0, 10, 0, True)
    assert finished and all(
        j["state"] == "Finished" and j["health"] == "Complete" for j in finished
    )
    end = next(job["end_time"] for job in finished if job["end_time"])
    assert end.endswith("+00:00") and end[10] == " "
    assert fault(lambda: anonymous.scheduler.jobs.list("BOGUS")) == (400, "Invalid state 'BOGUS'")
    assert fault(lambda: anonymous.scheduler.jobs.list(None, "nope")) == (
        400,
        "Invalid health 'nope'",
    )


def test_logs_are_line_ranges_of_yaml_records(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    with_log = finished_demo_job(anonymous)
    finished, data = anonymous.scheduler.jobs.logs(with_log)
    records = yaml.safe_load(data.data)
    assert finished is True and {"dt", "lvl", "msg"} <= set(records[0])
    assert yaml.safe_load(anonymous.scheduler.jobs.logs(with_log, 1, 3)[1].data) == records[1:3]
    assert anonymous.scheduler.jobs.logs(with_log, len(records))[1].data == b""


def test_unknown_jobs(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    for reference in (99999999, "3.5", "x"):
        assert fault(lambda r=reference: anonymous.scheduler.jobs.show(r)) == (
            404,
            f"Job '{reference}' was not found.",
        )


def test_queue_lists_waiting_jobs(lab, member, device_type):
    job_id = member.scheduler.jobs.submit(
        SINGLE.format(device_type=device_type, visibility="public")
    )
    queued = member.scheduler.jobs.queue([device_type], 0, 100)
    assert {"id": job_id, "description": "smoke", "requested_device_type": device_type,
            "submitter": "vis-member"} in queued  # fmt: skip
    assert all(item["requested_device_type"] == device_type for item in queued)
    assert job_id not in [item["id"] for item in member.scheduler.jobs.queue(["nosuchtype"])]
    member.scheduler.jobs.cancel(job_id)
    assert job_id not in [item["id"] for item in member.scheduler.jobs.queue([device_type], 0, 100)]


def test_validate_answers_empty_or_the_first_problem(lab, device_type):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    valid = SINGLE.format(device_type=device_type, visibility="public")
    assert anonymous.scheduler.jobs.validate(valid) == {}
    assert anonymous.scheduler.jobs.validate(valid, True) == {}
    problem = anonymous.scheduler.jobs.validate("job_name: x\ndevice_type: qemu\n")
    assert set(problem) == {"path", "msg"} and problem["path"].startswith("[")


def test_configuration_of_started_and_queued_jobs(lab, member, device_type):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    finished = finished_demo_job(anonymous)
    files = anonymous.scheduler.jobs.configuration(finished)
    assert len(files) == 5 and isinstance(files[0], xmlrpc.client.Binary)
    assert yaml.safe_load(files[0].data.decode())["job_name"]
    job_id = member.scheduler.jobs.submit(
        SINGLE.format(device_type=device_type, visibility="public")
    )
    assert fault(lambda: member.scheduler.jobs.configuration(job_id)) == (
        404,
        f"Job '{job_id}' has not started yet",
    )
    member.scheduler.jobs.cancel(job_id)


def test_duration_at_least_keeps_long_runs(lab):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    finished = anonymous.scheduler.jobs.list("FINISHED", "COMPLETE", 0, 100, 0, True)
    durations = {
        job["id"]: dt.datetime.fromisoformat(job["end_time"])
        - dt.datetime.fromisoformat(job["start_time"])
        for job in finished
        if job["start_time"] and job["end_time"]
    }
    longest = max(durations.values())
    minutes = int(longest.total_seconds() // 60) - 1
    kept = anonymous.scheduler.jobs.list("FINISHED", "COMPLETE", 0, 100, 0, False, max(minutes, 0))
    expected = {i for i, d in durations.items() if d > dt.timedelta(minutes=max(minutes, 0))}
    assert {job["id"] for job in kept} >= expected and expected
    everything = anonymous.scheduler.jobs.list("FINISHED", "COMPLETE", 0, 100, 0, False, 10**6)
    assert everything == []
