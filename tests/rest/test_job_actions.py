"""POST jobs/, jobs/validate/, jobs/validate_testdef/, jobs/<id>/resubmit/, jobs/<id>/cancel/
and jobs/batch_cancel/: LAVA master's answers, and their effect seen through XML-RPC."""

from __future__ import annotations

import pytest

from tests.support.definitions import MULTINODE, SINGLE, usable_device_type
from tests.support.rest import allowed_methods, rest_call, rest_get, submitted_id
from tests.support.xmlrpc import proxy_as

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}
TESTDEF = """
metadata:
  format: Lava-Test Test Definition 1.0
  name: smoke
  os: [debian]
install:
  deps: [curl]
  deps-debian: [wget]
parse:
  fixupdict: {PASS: pass, FAILED: fail}
run:
  steps: [lava-test-case one --shell true]
"""


@pytest.fixture
def device_type(lab) -> str:
    return usable_device_type(lab.sync_url)


def single(device_type: str, visibility: str = "public") -> str:
    return SINGLE.format(device_type=device_type, visibility=visibility)


def submit(lab, viewer: str | None, definition, **kwargs):
    return rest_call(lab, "POST", "jobs/", viewer, json={"definition": definition}, **kwargs)


def state_of(lab, job) -> tuple[str, str]:
    shown = proxy_as(lab, "vis-admin").scheduler.jobs.show(job)
    return shown["state"], shown["health"]


# --- POST jobs/ -------------------------------------------------------------------------


def test_submission_answers_201_with_the_id_and_xmlrpc_sees_the_job(lab, device_type):
    response = submit(lab, "vis-member", single(device_type))
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "job(s) successfully submitted"
    [job_id] = body["job_ids"]
    assert isinstance(job_id, int)
    shown = proxy_as(lab, "vis-member").scheduler.jobs.show(job_id)
    assert shown["submitter"] == "vis-member" and shown["state"] == "Submitted"
    detail = rest_get(lab, f"jobs/{job_id}/", "vis-member").json()
    assert detail["requested_device_type"] == device_type


def test_multinode_submission_answers_sub_ids_as_strings(lab, device_type):
    response = submit(lab, "vis-member", MULTINODE.format(device_type=device_type))
    assert response.status_code == 201
    ids = response.json()["job_ids"]
    first = ids[0].split(".")[0]
    assert ids == [f"{first}.0", f"{first}.1", f"{first}.2"]


def test_form_bodies_submit_too(lab, device_type):
    response = rest_call(
        lab, "POST", "jobs/", "vis-member", data={"definition": single(device_type)}
    )
    assert response.status_code == 201 and isinstance(response.json()["job_ids"][0], int)


def test_submission_refusals(lab, device_type):
    assert submit(lab, None, single(device_type)).json() == NOT_AUTHENTICATED
    assert submit(lab, None, single(device_type)).status_code == 403
    missing = rest_call(lab, "POST", "jobs/", "vis-member", json={})
    assert missing.status_code == 400
    assert missing.json() == {"definition": ["This field is required."]}
    schema = submit(lab, "vis-member", "job_name: x\n")
    assert schema.status_code == 400
    assert schema.json()["message"].startswith("Problem with submitted job data: ")
    unknown = submit(lab, "vis-member", single("nosuchtype"))
    assert unknown.status_code == 400
    assert unknown.json() == {
        "message": "Device unavailable: Device type 'nosuchtype' is unavailable."
    }


def test_yaml_that_does_not_parse_is_a_400_message(lab):
    response = submit(lab, "vis-member", "job_name: [unclosed\n")
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("job submission failed: ") and message.endswith(".")


# --- validate/ and validate_testdef/ -----------------------------------------------------


def validate(lab, body: dict, path: str = "jobs/validate/"):
    return rest_call(lab, "POST", path, None, json=body)


@pytest.mark.parametrize("strict", [False, True])
def test_validate_says_valid(lab, device_type, strict):
    response = validate(lab, {"definition": single(device_type), "strict": strict})
    assert response.status_code == 200
    assert response.json() == {"message": "Job valid."}


def test_validate_names_the_problem_and_where_it_is(lab, device_type):
    broken = single(device_type).replace("priority: medium", "priority: [1]")
    response = validate(lab, {"definition": broken})
    assert response.status_code == 200
    message = response.json()["message"]
    assert message.startswith("Job invalid: ") and message.endswith(" @ ['priority']")


def test_validate_strict_applies_the_stricter_rules(lab, device_type):
    definition = single(device_type) + "secrets: {token: 5}\n"
    assert validate(lab, {"definition": definition}).json() == {"message": "Job valid."}
    strict = validate(lab, {"definition": definition, "strict": True}).json()["message"]
    assert strict == "Job invalid: expected str @ ['secrets', 'token']"
    form = rest_call(
        lab, "POST", "jobs/validate/", None, data={"definition": definition, "strict": "true"}
    )
    assert form.json()["message"] == strict


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({}, {"definition": "Test job definition is required."}),
        ({"definition": ""}, {"definition": "Test job definition is required."}),
        ({"definition": 5}, {"definition": "Test job definition should be a string."}),
        (
            {"definition": {"job_name": "x"}},
            {"definition": "Test job definition should be a string."},
        ),
    ],
)
def test_validate_needs_a_string(lab, body, answer):
    response = validate(lab, body)
    assert response.status_code == 400 and response.json() == answer


def test_validate_answers_invalid_for_yaml_that_does_not_parse(lab):
    response = validate(lab, {"definition": "job_name: [unclosed\n"})
    assert response.status_code == 200
    assert response.json()["message"].startswith("Job invalid: ")


def test_validate_testdef_says_valid(lab):
    response = validate(lab, {"definition": TESTDEF}, "jobs/validate_testdef/")
    assert response.status_code == 200
    assert response.json() == {"message": "Test definition valid."}


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        ("run: {steps: [x]}\n", "required key not provided @ data['metadata']"),
        (
            "metadata: {format: Lava-Test Test Definition 1.0}\n",
            "required key not provided @ data['metadata']['name']",
        ),
        (
            "metadata: {format: other, name: x}\n",
            "not a valid value for dictionary value @ data['metadata']['format']",
        ),
        (
            TESTDEF.replace("name: smoke", "name: 5"),
            "expected str for dictionary value @ data['metadata']['name']",
        ),
        (TESTDEF.replace("os: [debian]", "os: [5]"), "expected str @ data['metadata']['os'][0]"),
        (
            TESTDEF.replace("deps-debian: [wget]", "deps-debian: wget"),
            "expected a list for dictionary value @ data['install']['deps-debian']",
        ),
        (
            TESTDEF.replace("FAILED: fail", "FAILED: broken"),
            "not a valid value for dictionary value @ data['parse']['fixupdict']['FAILED']",
        ),
        (
            TESTDEF.replace("steps: [lava-test-case one --shell true]", "other: 1"),
            "required key not provided @ data['run']['steps']",
        ),
        ("- a list\n", "expected a dictionary"),
    ],
)
def test_validate_testdef_names_the_first_problem(lab, definition, problem):
    response = validate(lab, {"definition": definition}, "jobs/validate_testdef/")
    assert response.status_code == 200
    assert response.json() == {"message": f"Test definition invalid: {problem}"}


def test_validate_testdef_refusals(lab):
    path = "jobs/validate_testdef/"
    missing = validate(lab, {}, path)
    assert missing.status_code == 400
    assert missing.json() == {"definition": "Test definition is required."}
    broken = validate(lab, {"definition": "metadata: [unclosed\n"}, path)
    assert broken.status_code == 200
    assert broken.json()["message"].startswith("Test definition invalid: ")


# --- resubmit/ ---------------------------------------------------------------------------


def test_resubmit_answers_201_with_a_new_job(lab, device_type):
    job_id = submitted_id(lab, "vis-member", single(device_type))
    response = rest_call(lab, "POST", f"jobs/{job_id}/resubmit/", "vis-member")
    assert response.status_code == 201
    [again] = response.json()["job_ids"]
    assert again > job_id
    assert proxy_as(lab, "vis-member").scheduler.jobs.show(again)["description"] == "smoke"


def test_resubmit_of_multinode_answers_sub_ids(lab, device_type):
    ids = submit(lab, "vis-member", MULTINODE.format(device_type=device_type)).json()["job_ids"]
    first = int(ids[1].split(".")[0])
    response = rest_call(lab, "POST", f"jobs/{first}/resubmit/", "vis-member")
    assert response.status_code == 201
    again = response.json()["job_ids"]
    assert len(again) == 3 and all(isinstance(sub, str) and "." in sub for sub in again)
    assert int(again[0].split(".")[0]) > first


def test_resubmit_refusals(lab, device_type):
    job_id = submitted_id(lab, "vis-member", single(device_type))
    anonymous = rest_call(lab, "POST", f"jobs/{job_id}/resubmit/", None)
    assert anonymous.status_code == 403 and anonymous.json() == NOT_AUTHENTICATED
    hidden = rest_call(lab, "POST", f"jobs/{lab.scenario.personal_job}/resubmit/", "vis-member")
    assert hidden.status_code == 404 and hidden.json() == NOT_FOUND
    absent = rest_call(lab, "POST", "jobs/99999999/resubmit/", "vis-member")
    assert absent.status_code == 404


# --- cancel/ -----------------------------------------------------------------------------


def test_cancel_by_the_submitter_cancels_and_xmlrpc_sees_it(lab, device_type):
    job_id = submitted_id(lab, "vis-member", single(device_type))
    response = rest_get(lab, f"jobs/{job_id}/cancel/", "vis-member")
    assert response.status_code == 200
    assert response.json() == {"message": "Job cancel signal sent."}
    assert state_of(lab, job_id) == ("Finished", "Canceled")
    again = rest_get(lab, f"jobs/{job_id}/cancel/", "vis-member")
    assert again.status_code == 200


def test_cancel_of_a_multinode_sub_job_cancels_the_group(lab, device_type):
    ids = submit(lab, "vis-member", MULTINODE.format(device_type=device_type)).json()["job_ids"]
    second = int(ids[1].split(".")[0]) + 1
    assert rest_get(lab, f"jobs/{second}/cancel/", "vis-member").status_code == 200
    assert {state_of(lab, sub)[1] for sub in ids} == {"Canceled"}


def test_cancel_without_the_right_is_403_and_changes_nothing(lab, device_type):
    job_id = submitted_id(lab, "vis-member", single(device_type))
    for viewer in ("vis-outsider", None):
        response = rest_get(lab, f"jobs/{job_id}/cancel/", viewer)
        assert response.status_code == 403
        assert response.json() == {"detail": "Insufficient permissions"}
    assert state_of(lab, job_id) == ("Submitted", "Unknown")
    assert rest_get(lab, f"jobs/{job_id}/cancel/", "vis-admin").status_code == 200
    assert state_of(lab, job_id)[1] == "Canceled"


def test_cancel_of_a_finished_job_is_left_alone(lab):
    response = rest_get(lab, f"jobs/{lab.scenario.public_job}/cancel/", "vis-outsider")
    assert response.status_code == 200
    assert state_of(lab, lab.scenario.public_job) == ("Finished", "Complete")


@pytest.mark.parametrize("reference", ["99999999", "abc", "1.0"])
def test_cancel_of_unknown_jobs_is_404(lab, reference):
    response = rest_get(lab, f"jobs/{reference}/cancel/", "vis-member")
    assert response.status_code == 404 and response.json() == NOT_FOUND


def test_cancel_of_a_hidden_job_is_404(lab):
    response = rest_get(lab, f"jobs/{lab.scenario.personal_job}/cancel/", "vis-outsider")
    assert response.status_code == 404 and response.json() == NOT_FOUND


# --- batch_cancel/ -----------------------------------------------------------------------


def batch(lab, viewer: str | None, job_ids):
    return rest_call(lab, "POST", "jobs/batch_cancel/", viewer, json={"job_ids": job_ids})


def test_batch_cancel_cancels_and_reports_ids_it_cannot_use(lab, device_type):
    first = submitted_id(lab, "vis-member", single(device_type))
    second = submitted_id(lab, "vis-member", single(device_type))
    subs = submit(lab, "vis-member", MULTINODE.format(device_type=device_type)).json()["job_ids"]
    hidden = lab.scenario.personal_job
    sent = [first, str(second), subs[1], 99999999, hidden, "x", True, 12345678901]
    response = batch(lab, "vis-member", sent)
    assert response.status_code == 200
    assert response.json() == {
        "message": "Job cancel signal sent for job ids.",
        "job_ids": [first, str(second), subs[1]],
        "invalid_job_ids": [99999999, hidden, "x", True, 12345678901],
    }
    assert state_of(lab, first)[1] == state_of(lab, second)[1] == "Canceled"
    assert {state_of(lab, sub)[1] for sub in subs} == {"Canceled"}
    assert state_of(lab, hidden) == ("Finished", "Complete")


def test_batch_cancel_without_the_right_cancels_nothing(lab, device_type):
    own = submitted_id(lab, "vis-outsider", single(device_type))
    theirs = submitted_id(lab, "vis-member", single(device_type))
    response = batch(lab, "vis-outsider", [own, theirs])
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert state_of(lab, own)[1] == state_of(lab, theirs)[1] == "Unknown"
    finished = batch(lab, "vis-outsider", [own, lab.scenario.public_job])
    assert finished.json()["job_ids"] == [own, lab.scenario.public_job]
    assert state_of(lab, own)[1] == "Canceled"


def test_batch_cancel_refusals(lab):
    assert batch(lab, None, [1]).status_code == 403
    assert batch(lab, None, [1]).json() == NOT_AUTHENTICATED
    missing = rest_call(lab, "POST", "jobs/batch_cancel/", "vis-member", json={})
    assert missing.status_code == 400
    assert missing.json() == {"job_ids": ["This field is required."]}
    many = batch(lab, "vis-member", list(range(1001)))
    assert many.status_code == 400
    assert many.json() == {"job_ids": ["Ensure this field has no more than 1000 elements."]}
    wrong = batch(lab, "vis-member", "12")
    assert wrong.status_code == 400
    assert wrong.json() == {"job_ids": ['Expected a list of items but got type "str".']}


def test_fixed_action_paths_are_routed_before_the_job_detail(lab):
    for path in ("jobs/validate/", "jobs/validate_testdef/", "jobs/batch_cancel/"):
        assert allowed_methods(lab, path) == "POST, HEAD, OPTIONS"
    assert rest_get(lab, "jobs/validate/").status_code == 405
