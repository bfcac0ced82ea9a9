"""jobs/ and jobs/<id>/: LAVA's fields, visibility, filters and ordering."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.rest import rest_call, rest_get

FIELDS = [
    "id",
    "submitter",
    "viewing_groups",
    "description",
    "health_check",
    "requested_device_type",
    "tags",
    "actual_device",
    "submit_time",
    "start_time",
    "end_time",
    "state",
    "health",
    "priority",
    "definition",
    "metadata",
    "original_definition",
    "multinode_definition",
    "failure_tags",
    "failure_comment",
]


INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."
CHOICE_MAYBE = "Select a valid choice. maybe is not one of the available choices."


def moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def jobs(lab, viewer: str | None = "vis-admin", **params) -> dict:
    response = rest_get(lab, "jobs/", viewer, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_jobs_carry_lavas_fields_in_order_and_never_the_token(lab):
    job = jobs(lab, state="Finished", end_time__isnull="false", limit="1")["results"][0]
    assert list(job) == FIELDS
    assert job["state"] == "Finished"
    assert job["health"] in {"Complete", "Incomplete", "Canceled", "Unknown"}
    assert isinstance(job["submitter"], str) and isinstance(job["priority"], int)
    assert job["submit_time"].endswith("Z") and job["end_time"].endswith("Z")


def test_detail_is_the_listed_job(lab):
    listed = jobs(lab, limit="1")["results"][0]
    response = rest_get(lab, f"jobs/{listed['id']}/", "vis-admin")
    assert response.status_code == 200
    assert response.json() == listed


def test_hidden_jobs_are_404_and_viewing_groups_are_ids(lab):
    owned = rest_get(lab, f"jobs/{lab.scenario.personal_job}/", "vis-owner").json()
    assert owned["submitter"] == "vis-owner"
    hidden = rest_get(lab, f"jobs/{lab.scenario.personal_job}/")
    assert hidden.status_code == 404 and hidden.json() == {"detail": "Not found."}
    grouped = rest_get(lab, f"jobs/{lab.scenario.group_job}/", "vis-member").json()
    assert grouped["viewing_groups"] and all(isinstance(g, int) for g in grouped["viewing_groups"])


@pytest.mark.parametrize("reference", ["abc", "99999999", "99999999999999", "1.0"])
def test_absent_or_malformed_ids_are_a_json_404(lab, reference):
    response = rest_get(lab, f"jobs/{reference}/", "vis-admin")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_list_holds_only_visible_jobs(lab):
    anonymous = {job["id"] for job in jobs(lab, None, limit="1000")["results"]}
    admin = {job["id"] for job in jobs(lab, limit="1000")["results"]}
    assert lab.scenario.public_job in anonymous
    assert lab.scenario.personal_job not in anonymous and lab.scenario.personal_job in admin
    assert anonymous < admin


def test_state_health_and_label_lists_filter(lab):
    done = jobs(lab, state="Finished", health="Complete", limit="1000")
    assert done["count"] > 0
    assert {(j["state"], j["health"]) for j in done["results"]} == {("Finished", "Complete")}
    either = jobs(lab, health__in="Complete,Incomplete", limit="1000")
    assert {j["health"] for j in either["results"]} == {"Complete", "Incomplete"}
    assert jobs(lab, state="Submitted")["count"] + done["count"] <= jobs(lab)["count"]


def test_id_and_time_filters(lab):
    newest = jobs(lab, limit="3")["results"]
    ids = [job["id"] for job in newest]
    assert [j["id"] for j in jobs(lab, id=str(ids[1]))["results"]] == [ids[1]]
    assert [j["id"] for j in jobs(lab, id__in=f"{ids[0]},{ids[2]}")["results"]] == [ids[0], ids[2]]
    assert [j["id"] for j in jobs(lab, id__gt=str(ids[1]))["results"]] == [ids[0]]
    assert all(j["id"] < ids[1] for j in jobs(lab, id__lt=str(ids[1]))["results"])
    when = newest[1]["submit_time"]
    exact = jobs(lab, submit_time=when, limit="1000")["results"]
    assert exact and all(j["submit_time"] == when for j in exact)
    later = jobs(lab, submit_time__gt=when, limit="1000")["results"]
    earlier = jobs(lab, submit_time__lt=when, limit="1000")["results"]
    assert all(moment(j["submit_time"]) > moment(when) for j in later)
    assert all(moment(j["submit_time"]) < moment(when) for j in earlier)
    assert len(later) + len(exact) + len(earlier) == jobs(lab)["count"]


def test_priority_and_unset_time_filters(lab):
    everything = jobs(lab)["count"]
    high = jobs(lab, priority__gt="50", limit="1000")["results"]
    rest = jobs(lab, priority__lte="50")["count"]
    assert all(j["priority"] > 50 for j in high) and len(high) + rest == everything
    assert all(j["priority"] == 50 for j in jobs(lab, priority="50", limit="1000")["results"])
    assert jobs(lab, priority__gt=str(2**31 - 1))["count"] == 0
    first, second = sorted({j["priority"] for j in jobs(lab, limit="1000")["results"]})[:2]
    both = jobs(lab, priority__in=f"{first},{second}")["count"]
    assert (
        both == jobs(lab, priority=str(first))["count"] + jobs(lab, priority=str(second))["count"]
    )
    queued = jobs(lab, start_time__isnull="true", limit="1000")["results"]
    assert queued and all(j["start_time"] is None for j in queued)
    ended = jobs(lab, end_time__isnull="false", limit="1000")["results"]
    assert ended and all(j["end_time"] for j in ended)


def test_related_filters_by_key(lab):
    job = rest_get(lab, f"jobs/{lab.scenario.public_job}/", "vis-admin").json()
    by_type = jobs(lab, requested_device_type=job["requested_device_type"], limit="1000")
    assert {j["requested_device_type"] for j in by_type["results"]} == {
        job["requested_device_type"]
    }
    mine = jobs(lab, submitter__username="vis-owner", limit="1000")["results"]
    assert mine and {j["submitter"] for j in mine} == {"vis-owner"}
    checks = jobs(lab, health_check="true", limit="1000")["results"]
    assert all(j["health_check"] for j in checks)


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"id": "abc"}, {"id": ["Enter a number."]}),
        ({"id__lt": "9" * 30}, {"id__lt": ["Enter a number."]}),
        ({"submit_time__gt": "yesterday"}, {"submit_time__gt": ["Enter a valid date/time."]}),
        (
            {"state": "finished"},
            {"state": ["Select a valid choice. finished is not one of the available choices."]},
        ),
        (
            {"health__in": "Complete,Bogus"},
            {"health__in": ["Select a valid choice. Bogus is not one of the available choices."]},
        ),
        (
            {"submitter": "vis-owner"},
            {"submitter": [INVALID_CHOICE]},
        ),
        ({"tags": "999999"}, {"tags": [INVALID_CHOICE]}),
        ({"health_check!": "maybe"}, {"health_check!": [CHOICE_MAYBE]}),
        ({"metadata__": "x"}, ["Missing metadata key in 'metadata__'"]),
        (
            {"metadata__contains": "[1]"},
            ["metadata__contains expects a JSON object, got '[1]'"],
        ),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(lab, params, body):
    response = rest_get(lab, "jobs/", "vis-admin", **params)
    assert response.status_code == 400
    assert response.json() == body


def test_unknown_parameters_and_empty_values_are_ignored(lab):
    everything = jobs(lab)["count"]
    assert jobs(lab, nosuchfield="1", search="x", state="")["count"] == everything


@pytest.mark.parametrize(
    "parameter", ["target_group__isnull", "health_check__in", "submitter__nosuch", "id__gte"]
)
def test_lookups_a_field_lacks_are_a_400_not_the_whole_list(lab, parameter):
    response = rest_get(lab, "jobs/", "vis-admin", **{parameter: "1"})
    assert response.status_code == 400
    assert response.json() == {parameter: ["This lookup is not one of the filters of this field."]}


def test_negation_text_lookups_and_relations_followed(lab):
    everything = jobs(lab)["count"]
    checks = jobs(lab, health_check="true")["count"]
    assert jobs(lab, **{"health_check!": "true"})["count"] == everything - checks
    qemu = jobs(lab, definition__contains="qemu", limit="1000")["results"]
    assert all("qemu" in j["definition"] for j in qemu)
    named = jobs(lab, limit="1")["results"][0]["description"]
    word = named.split()[0][:4].upper()
    found = jobs(lab, description__icontains=word, limit="1000")["results"]
    assert found and all(word.lower() in j["description"].lower() for j in found)
    ran = jobs(lab, start_time__isnull="false", limit="100")["results"]
    started = next(job for job in ran if job["actual_device"])
    device = started["actual_device"]
    on_device = jobs(lab, actual_device=device, limit="1000")["results"]
    assert on_device and {j["actual_device"] for j in on_device} == {device}
    of_type = jobs(lab, actual_device__device_type__name=started["requested_device_type"])
    assert of_type["count"] > 0


def test_relations_filtered_by_primary_key(lab):
    owned = jobs(lab, submitter__username="vis-owner", limit="1000")["results"]
    groups = {g for j in owned for g in j["viewing_groups"]}
    assert groups
    group = sorted(groups)[0]
    grouped = jobs(lab, viewing_groups=str(group), limit="1000")["results"]
    assert grouped and all(group in j["viewing_groups"] for j in grouped)
    tagged = [j for j in jobs(lab, limit="1000")["results"] if j["tags"]]
    if tagged:
        tag = tagged[0]["tags"][0]
        assert all(tag in j["tags"] for j in jobs(lab, tags=str(tag), limit="1000")["results"])


def test_ordering(lab):
    oldest = jobs(lab, ordering="id", limit="5")["results"]
    assert [j["id"] for j in oldest] == sorted(j["id"] for j in oldest)
    by_submit = jobs(lab, ordering="-submit_time", limit="20")["results"]
    times = [moment(j["submit_time"]) for j in by_submit]
    assert times == sorted(times, reverse=True)
    started = [
        moment(j["start_time"])
        for j in jobs(lab, ordering="start_time,nosuch", limit="1000")["results"]
    ]
    present = [t for t in started if t is not None]
    assert present and started[: len(present)] == sorted(present)
    assert jobs(lab, ordering="nosuch", limit="5")["results"] == jobs(lab, limit="5")["results"]


def test_metadata_filters(lab):
    device_type = usable_device_type(lab.sync_url)
    definition = SINGLE.format(device_type=device_type, visibility="public") + (
        "metadata:\n  build: {id: 'rest-meta-1234', flavour: Debug}\n  nightly: true\n"
    )
    submitted = rest_call(lab, "POST", "jobs/", "vis-admin", json={"definition": definition})
    assert submitted.status_code == 201, submitted.text
    (job_id,) = submitted.json()["job_ids"]

    def ids(**params) -> list[int]:
        return [j["id"] for j in jobs(lab, limit="1000", **params)["results"]]

    assert ids(metadata__build__id="rest-meta-1234") == [job_id]
    assert ids(metadata__build__flavour__iexact="debug") == [job_id]
    assert ids(metadata__build__id__startswith="rest-meta-") == [job_id]
    assert ids(metadata__nightly="true", metadata__has_key="build") == [job_id]
    assert ids(metadata__contains='{"build": {"flavour": "Debug"}}') == [job_id]
    assert ids(metadata__build__id__regex="^rest-meta-[0-9]+$") == [job_id]
    assert job_id not in ids(metadata__build__id="other")
    assert job_id not in ids(metadata__has_any_keys="nosuchkey,other")
