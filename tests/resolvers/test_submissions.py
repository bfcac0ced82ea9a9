"""Submitting, canceling and resubmitting jobs over GraphQL, with LAVA's checks and texts."""

from __future__ import annotations

import pytest

from tests.support.definitions import MULTINODE, SINGLE, usable_device_type

SUBMIT = (
    "mutation ($d: String!) { submitJob(definition: $d) {"
    " id subId state health description isPublic requestedDeviceType { name } } }"
)
CANCEL = "mutation ($id: Int!) { cancelJob(id: $id) { id state health } }"


@pytest.fixture
def device_type(lab) -> str:
    return usable_device_type(lab.sync_url)


def submit(lab, definition: str, user: str = "vis-member") -> dict:
    return lab.client.post(SUBMIT, {"d": definition}, token=lab.tokens[user]).json()


def test_submit_a_single_node_job(lab, device_type):
    (job,) = submit(lab, SINGLE.format(device_type=device_type, visibility="public"))["data"][
        "submitJob"
    ]
    assert job["state"] == "SUBMITTED" and job["health"] == "UNKNOWN"
    assert job["description"] == "smoke" and job["isPublic"] and job["subId"] == ""
    assert job["requestedDeviceType"]["name"] == device_type
    seen = lab.client.execute(
        "query ($id: Int!) { job(id: $id) { originalDefinition submitter { username } } }",
        {"id": job["id"]},
    )["job"]
    assert seen["submitter"]["username"] == "vis-member"
    assert seen["originalDefinition"] == SINGLE.format(device_type=device_type, visibility="public")


def test_multinode_gives_one_job_per_node_with_sub_ids(lab, device_type):
    jobs = submit(lab, MULTINODE.format(device_type=device_type))["data"]["submitJob"]
    first = jobs[0]["id"]
    assert [j["subId"] for j in jobs] == [f"{first}.0", f"{first}.1", f"{first}.2"]


def test_personal_jobs_are_seen_by_their_submitter_only(lab, device_type):
    (job,) = submit(lab, SINGLE.format(device_type=device_type, visibility="personal"))["data"][
        "submitJob"
    ]
    query = "query ($id: Int!) { job(id: $id) { id } }"
    assert lab.client.execute(query, {"id": job["id"]}, token=lab.tokens["vis-member"])["job"]
    assert (
        lab.client.execute(query, {"id": job["id"]}, token=lab.tokens["vis-outsider"])["job"]
        is None
    )
    assert lab.client.execute(query, {"id": job["id"]})["job"] is None


REFUSALS = [
    ("job_name: [unclosed", "Problem with submitted job data: Loading job submission failed: "),
    (
        SINGLE.format(device_type="no-such-type", visibility="public"),
        "Device unavailable: Device type 'no-such-type' is unavailable.",
    ),
    (
        SINGLE.format(device_type="vis-secret-type", visibility="public"),
        "Device unavailable: Device type 'vis-secret-type' is unavailable to user 'vis-member'",
    ),
    (
        SINGLE.format(device_type="{device_type}", visibility="public") + "tags: [no-such-tag]\n",
        "Invalid job definition: Device tag 'no-such-tag' does not exist in the database..",
    ),
    (
        SINGLE.format(device_type="{device_type}", visibility="{group: [no-such-group]}"),
        "Problem with submitted job data: No known groups were found in the visibility list.",
    ),
]


@pytest.mark.parametrize(("definition", "message"), REFUSALS)
def test_refusals_use_lavas_texts_and_store_nothing(lab, device_type, definition, message):
    count = "{ jobs { totalCount } }"
    before = lab.client.execute(count, token=lab.tokens["vis-admin"])["jobs"]["totalCount"]
    body = submit(lab, definition.replace("{device_type}", device_type))
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(message)
    after = lab.client.execute(count, token=lab.tokens["vis-admin"])["jobs"]["totalCount"]
    assert after == before


def test_anonymous_cannot_submit(lab, device_type):
    body = lab.client.post(
        SUBMIT, {"d": SINGLE.format(device_type=device_type, visibility="public")}
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_cancel_and_resubmit(lab, device_type):
    (job,) = submit(lab, SINGLE.format(device_type=device_type, visibility="public"))["data"][
        "submitJob"
    ]
    outsider = lab.client.post(CANCEL, {"id": job["id"]}, token=lab.tokens["vis-outsider"]).json()
    assert outsider["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    canceled = lab.client.execute(CANCEL, {"id": job["id"]}, token=lab.tokens["vis-member"])
    assert canceled["cancelJob"] == [{"id": job["id"], "state": "FINISHED", "health": "CANCELED"}]
    again = lab.client.post(CANCEL, {"id": job["id"]}, token=lab.tokens["vis-member"]).json()
    assert again["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    resubmitted = lab.client.execute(
        "mutation ($id: Int!) { resubmitJob(id: $id) { id state description } }",
        {"id": job["id"]},
        token=lab.tokens["vis-member"],
    )["resubmitJob"]
    assert resubmitted[0]["id"] > job["id"] and resubmitted[0]["state"] == "SUBMITTED"
