"""PUT, PATCH and DELETE on jobs/<id>/: superusers only; a queued job's definition may
change within what it was scheduled by; deleted jobs are gone from every door."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.rest import rest_call, rest_get, submitted_id
from tests.support.xmlrpc import execute, proxy_as

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NOT_PERMITTED = {"detail": "You do not have permission to perform this action."}


@pytest.fixture
def device_type(lab) -> str:
    return usable_device_type(lab.sync_url)


def single(device_type: str, visibility: str = "public") -> str:
    return SINGLE.format(device_type=device_type, visibility=visibility)


def queued(lab, device_type: str) -> int:
    return submitted_id(lab, "vis-member", single(device_type))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_only_superusers_change_jobs(lab, device_type, method):
    job_id = queued(lab, device_type)
    body = {"definition": single(device_type)}
    anonymous = rest_call(lab, method, f"jobs/{job_id}/", None, json=body)
    assert anonymous.status_code == 403 and anonymous.json() == NOT_AUTHENTICATED
    submitter = rest_call(lab, method, f"jobs/{job_id}/", "vis-member", json=body)
    assert submitter.status_code == 403 and submitter.json() == NOT_PERMITTED
    assert rest_get(lab, f"jobs/{job_id}/", "vis-member").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_queued_jobs_definition_changes_and_xmlrpc_sees_it(lab, device_type, method):
    job_id = queued(lab, device_type)
    changed = single(device_type).replace("job_name: smoke", "job_name: renamed")
    changed = changed.replace("priority: medium", "priority: high")
    response = rest_call(lab, method, f"jobs/{job_id}/", "vis-admin", json={"definition": changed})
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["id"] == job_id and job["description"] == "renamed" and job["priority"] == 100
    assert job["original_definition"] == changed
    assert proxy_as(lab, "vis-member").scheduler.jobs.show(job_id)["description"] == "renamed"
    assert proxy_as(lab, "vis-member").scheduler.jobs.definition(job_id) == changed


def test_an_update_without_a_definition_changes_nothing(lab, device_type):
    job_id = queued(lab, device_type)
    before = rest_get(lab, f"jobs/{job_id}/", "vis-admin").json()
    response = rest_call(lab, "PATCH", f"jobs/{job_id}/", "vis-admin", json={"priority": 1})
    assert response.status_code == 200 and response.json() == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda text, _t: text.replace("visibility: public", "visibility: personal"), "keep"),
        (lambda text, _t: text.replace("job_name: smoke\n", ""), "Problem with submitted"),
        (lambda text, _t: text + "tags: [vis-nosuchtag]\n", "keep"),
        (lambda _text, t: "job_name: [unclosed\n", "Problem with submitted"),
    ],
)
def test_definitions_that_would_change_scheduling_are_refused(lab, device_type, change, error):
    job_id = queued(lab, device_type)
    definition = change(single(device_type), device_type)
    response = rest_call(
        lab, "PATCH", f"jobs/{job_id}/", "vis-admin", json={"definition": definition}
    )
    assert response.status_code == 400
    [message] = response.json()["definition"]
    assert error in message
    assert rest_get(lab, f"jobs/{job_id}/", "vis-admin").json()["description"] == "smoke"


def test_finished_jobs_keep_their_definition(lab):
    job_id = lab.scenario.public_job
    response = rest_call(lab, "PUT", f"jobs/{job_id}/", "vis-admin", json={"definition": "x: 1"})
    assert response.status_code == 400
    assert response.json() == {
        "definition": ["Only the definition of a queued single-node job can be changed."]
    }


@pytest.mark.parametrize("body", [{"definition": 5}, {"definition": ""}])
def test_definition_must_be_a_string(lab, device_type, body):
    job_id = queued(lab, device_type)
    response = rest_call(lab, "PATCH", f"jobs/{job_id}/", "vis-admin", json=body)
    assert response.status_code == 400 and list(response.json()) == ["definition"]


def test_delete_removes_the_job_from_every_door(lab, device_type):
    job_id = queued(lab, device_type)
    response = rest_call(lab, "DELETE", f"jobs/{job_id}/", "vis-admin")
    assert response.status_code == 204 and response.content == b""
    assert rest_get(lab, f"jobs/{job_id}/", "vis-admin").status_code == 404
    with pytest.raises(xmlrpc.client.Fault) as raised:
        proxy_as(lab, "vis-admin").scheduler.jobs.show(job_id)
    assert raised.value.faultCode == 404
    again = rest_call(lab, "DELETE", f"jobs/{job_id}/", "vis-admin")
    assert again.status_code == 404 and again.json() == {"detail": "Not found."}


def test_delete_of_a_finished_job_takes_its_results(lab, device_type):
    job_id = queued(lab, device_type)
    assert rest_get(lab, f"jobs/{job_id}/cancel/", "vis-member").status_code == 200
    assert rest_call(lab, "DELETE", f"jobs/{job_id}/", "vis-admin").status_code == 204
    assert rest_get(lab, f"jobs/{job_id}/suites/", "vis-admin").status_code == 404


def test_a_job_on_a_device_is_not_deleted(lab, device_type):
    job_id = queued(lab, device_type)
    execute(lab, "UPDATE lava_scheduler_app_testjob SET state = 3 WHERE id = :id", id=job_id)
    response = rest_call(lab, "DELETE", f"jobs/{job_id}/", "vis-admin")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Job {job_id} is Running: cancel it, and delete it once it has finished."
    }
    assert rest_get(lab, f"jobs/{job_id}/", "vis-admin").json()["state"] == "Running"
