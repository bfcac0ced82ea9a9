"""LAVA's visibility rules hold for every viewer, on every door.

Doors are listed in ``DOORS``; a door is a function (lab, job id, viewer) -> whether the
job and its results are visible through it.
"""

from __future__ import annotations

import xmlrpc.client

import pytest
import sqlalchemy

from tests.support.rest import rest_get
from tests.support.server import xmlrpc_proxy


def graphql_sees_job(lab, job_id: int, viewer: str | None) -> bool:
    token = lab.tokens[viewer] if viewer else None
    data = lab.client.execute(
        "query ($id: Int!, $ids: [Int!]) { job(id: $id) { id suites { id } }"
        " jobs(filter: {ids: $ids}) { totalCount nodes { id } } }",
        {"id": job_id, "ids": [job_id]},
        token=token,
    )
    in_list = data["jobs"]["totalCount"] == 1 and data["jobs"]["nodes"] == [{"id": job_id}]
    assert (data["job"] is not None) == in_list
    return in_list


def xmlrpc_sees_job(lab, job_id: int, viewer: str | None) -> bool:
    """``scheduler.jobs.show`` and ``logs`` answer, or both fault 403 (not 404: the job
    exists, LAVA tells the two apart)."""
    proxy = xmlrpc_proxy(lab.server.base_url, viewer, lab.tokens.get(viewer))
    try:
        shown = proxy.scheduler.jobs.show(job_id)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == 403, fault
        username = viewer or "AnonymousUser"
        assert fault.faultString == f"Job '{job_id}' not available to user '{username}'."
        try:
            proxy.scheduler.jobs.logs(job_id)
        except xmlrpc.client.Fault as logs_fault:
            assert logs_fault.faultCode == 403
            return False
        raise AssertionError("logs of a job one may not see") from None
    assert shown["id"] == job_id
    return True


def rest_sees_job(lab, job_id: int, viewer: str | None) -> bool:
    """``jobs/<id>/`` answers, or is a 404 (as for an absent job), and ``jobs/?id=``
    lists the job exactly when the detail answers. Its results follow: ``suites/`` and
    ``tests/`` answer or are master's 403, its CSV answers or is a 404."""
    detail = rest_get(lab, f"jobs/{job_id}/", viewer)
    listed = rest_get(lab, "jobs/", viewer, id=str(job_id)).json()
    nested = [rest_get(lab, f"jobs/{job_id}/{part}/", viewer) for part in ("suites", "tests")]
    results_file = rest_get(lab, f"jobs/{job_id}/csv/", viewer)
    if detail.status_code == 404:
        assert detail.json() == {"detail": "Not found."}
        assert listed["count"] == 0
        assert [response.status_code for response in nested] == [403, 403]
        assert results_file.status_code == 404
        return False
    assert detail.status_code == 200 and detail.json()["id"] == job_id
    assert [job["id"] for job in listed["results"]] == [job_id]
    assert [response.status_code for response in nested] == [200, 200]
    assert results_file.status_code == 200
    return True


DOORS = {"graphql": graphql_sees_job, "xmlrpc": xmlrpc_sees_job, "rest": rest_sees_job}

# viewer -> the scenario jobs it may see
EXPECTED = {
    None: {"public_job"},
    "vis-outsider": {"public_job"},
    "vis-member": {"public_job", "group_job"},
    "vis-secret": {"public_job", "secret_type_job"},
    "vis-owner": {"public_job", "personal_job", "group_job", "secret_type_job"},
    "vis-admin": {"public_job", "personal_job", "group_job", "secret_type_job"},
}
JOBS = ("public_job", "personal_job", "group_job", "secret_type_job")


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("viewer", EXPECTED, ids=lambda v: v or "anonymous")
@pytest.mark.parametrize("job", JOBS)
def test_job_visibility(lab, door, viewer, job):
    job_id = getattr(lab.scenario, job)
    assert DOORS[door](lab, job_id, viewer) == (job in EXPECTED[viewer])


@pytest.mark.parametrize("viewer", EXPECTED, ids=lambda v: v or "anonymous")
def test_restricted_device_type_and_its_devices(lab, viewer):
    token = lab.tokens[viewer] if viewer else None
    data = lab.client.execute(
        '{ deviceType(name: "vis-secret-type") { name }'
        ' device(hostname: "vis-secret-01") { hostname }'
        " deviceTypes(first: 100) { nodes { name } } devices(first: 100) { nodes { hostname } } }",
        token=token,
    )
    may_see = viewer in {"vis-secret", "vis-admin"}
    assert (data["deviceType"] is not None) == may_see
    assert (data["device"] is not None) == may_see
    assert ("vis-secret-type" in {t["name"] for t in data["deviceTypes"]["nodes"]}) == may_see
    assert ("vis-secret-01" in {d["hostname"] for d in data["devices"]["nodes"]}) == may_see


def test_anonymous_count_excludes_private_jobs(lab):
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        public = connection.execute(
            sqlalchemy.text(
                "SELECT count(*) FROM lava_scheduler_app_testjob j WHERE j.is_public AND NOT EXISTS"
                " (SELECT 1 FROM lava_scheduler_app_testjob_viewing_groups g"
                " WHERE g.testjob_id = j.id)"
                " AND j.requested_device_type_id NOT IN (SELECT p.devicetype_id FROM"
                " lava_scheduler_app_groupdevicetypepermission p JOIN auth_permission a"
                " ON a.id = p.permission_id WHERE a.codename = 'view_devicetype')"
            )
        ).scalar()
    engine.dispose()
    assert lab.client.execute("{ jobs { totalCount } }")["jobs"]["totalCount"] == public


def test_viewer_says_who_is_asking(lab):
    anonymous = lab.client.execute("{ viewer { isAuthenticated username user { username } } }")
    assert anonymous["viewer"] == {"isAuthenticated": False, "username": None, "user": None}
    member = lab.client.execute(
        "{ viewer { isAuthenticated isSuperuser username groups { name } } }",
        token=lab.tokens["vis-member"],
    )["viewer"]
    assert {key: member[key] for key in ("isAuthenticated", "isSuperuser", "username")} == {
        "isAuthenticated": True,
        "isSuperuser": False,
        "username": "vis-member",
    }
    assert {"name": "vis-team"} in member["groups"]
    outsider = lab.client.execute(
        "{ viewer { groups { name } } }", token=lab.tokens["vis-outsider"]
    )["viewer"]
    assert {"name": "vis-team"} not in outsider["groups"]
