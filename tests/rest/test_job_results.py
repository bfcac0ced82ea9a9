"""jobs/<id>/suites/ and jobs/<id>/tests/: LAVA's fields, pages by id, master's job checks."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.engine import create_engine, session_factory, start_counting_statements
from gql_server.db.models import TestCase, TestJob, TestSet, TestSuite, User
from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.resolvers import results
from gql_server.resolvers.context import RequestContext, Viewer
from tests.support.rest import rest_get

LOGGED = dt.datetime(2022, 7, 1, 0, 45, 13, 355000, tzinfo=dt.UTC)
VALIDATE_METADATA = (
    "case: validate\ndefinition: lava\nduration: '20.28'\nlevel: '1.1'\nnamespace: common\n"
    "result: pass\n"
)
SUITE_FIELDS = ["id", "resource_uri", "name", "job"]
CASE_FIELDS = [
    "id", "result", "resource_uri", "unit", "name", "measurement", "metadata",
    "start_log_line", "end_log_line", "logged", "suite", "test_set",
]  # fmt: skip
NOT_PERMITTED = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "Not found."}


@dataclasses.dataclass(frozen=True)
class Results:
    """A public job with two suites (cases interleaved by id) and a personal job."""

    job: int
    suites: list[int]  # lava, 0_rest-smoke
    cases: list[int]  # by id
    suite_of: dict[int, int]  # case id -> suite id
    test_set: int
    personal_job: int
    personal_suite: int
    personal_case: int


def _job(session: Session, owner: int, public: bool) -> TestJob:
    job = TestJob(
        description="rest-results",
        is_public=public,
        submitter_id=owner,
        requested_device_type_id="vis-public-type",
        actual_device_id="vis-public-01",
        state=int(JobState.FINISHED),
        health=int(JobHealth.COMPLETE),
    )
    session.add(job)
    session.flush()
    return job


@pytest.fixture(scope="module")
def made(lab) -> Results:
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = _job(session, owner.id, True)
        lava = TestSuite(job_id=job.id, name="lava")
        smoke = TestSuite(job_id=job.id, name="0_rest-smoke")
        session.add_all([lava, smoke])
        session.flush()
        test_set = TestSet(suite_id=smoke.id, name="set-1")
        session.add(test_set)
        session.flush()
        cases = [
            TestCase(suite_id=lava.id, name="validate", result=int(TestResult.PASS),
                     units="seconds", measurement=Decimal("20.28"), metadata_=VALIDATE_METADATA,
                     logged=LOGGED),
            *(TestCase(suite_id=smoke.id if n % 3 else lava.id, name=f"case-{n}",
                       result=n % 4, start_log_line=n, end_log_line=n + 2, logged=LOGGED,
                       test_set_id=test_set.id if n % 3 else None)
              for n in range(1, 8)),
        ]  # fmt: skip
        session.add_all(cases)
        private = _job(session, owner.id, False)
        hidden_suite = TestSuite(job_id=private.id, name="lava")
        session.add(hidden_suite)
        session.flush()
        hidden_case = TestCase(
            suite_id=hidden_suite.id, name="job", result=int(TestResult.PASS), logged=LOGGED
        )
        session.add(hidden_case)
        session.commit()
        made = Results(
            job.id,
            [lava.id, smoke.id],
            [case.id for case in cases],
            {case.id: case.suite_id for case in cases},
            test_set.id,
            private.id,
            hidden_suite.id,
            hidden_case.id,
        )
    engine.dispose()
    return made


def ok(lab, path: str, viewer: str | None = None, **params) -> dict:
    response = rest_get(lab, path, viewer, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_suites_in_lavas_fields_by_id(lab, made):
    listed = ok(lab, f"jobs/{made.job}/suites/")
    assert (listed["count"], listed["next"], listed["previous"]) == (2, None, None)
    lava = listed["results"][0]
    assert list(lava) == SUITE_FIELDS
    base = lab.server.base_url + "/api/v0.2/"
    assert lava == {
        "id": made.suites[0],
        "resource_uri": f"{base}jobs/{made.job}/suites/{made.suites[0]}/",
        "name": "lava",
        "job": made.job,
    }
    assert [s["name"] for s in listed["results"]] == ["lava", "0_rest-smoke"]
    assert ok(lab, f"jobs/{made.job}/suites/{made.suites[1]}/")["name"] == "0_rest-smoke"
    second = ok(lab, f"jobs/{made.job}/suites/", limit="1", offset="1")
    assert [s["id"] for s in second["results"]] == [made.suites[1]]
    assert second["previous"] == f"{base}jobs/{made.job}/suites/?limit=1"


def test_case_in_lavas_fields(lab, made):
    case = ok(lab, f"jobs/{made.job}/tests/{made.cases[0]}/")
    assert list(case) == CASE_FIELDS
    base = lab.server.base_url + "/api/v0.2/"
    assert case == {
        "id": made.cases[0],
        "result": "pass",
        "resource_uri": f"{base}jobs/{made.job}/suites/{made.suites[0]}/tests/{made.cases[0]}/",
        "unit": "seconds",
        "name": "validate",
        "measurement": "20.2800000000",
        "metadata": VALIDATE_METADATA,
        "start_log_line": None,
        "end_log_line": None,
        "logged": "2022-07-01T00:45:13.355000Z",
        "suite": made.suites[0],
        "test_set": None,
    }
    nested = ok(lab, f"jobs/{made.job}/suites/{made.suites[0]}/tests/{made.cases[0]}/")
    assert nested == case
    other = ok(lab, f"jobs/{made.job}/tests/{made.cases[1]}/")
    assert (other["result"], other["measurement"], other["unit"]) == ("fail", None, "")
    assert (other["start_log_line"], other["end_log_line"]) == (1, 3)
    assert other["test_set"] == made.test_set


def test_job_cases_are_paged_by_id_across_suites(lab, made):
    every = ok(lab, f"jobs/{made.job}/tests/")
    assert every["count"] == 8 and [c["id"] for c in every["results"]] == made.cases
    window = ok(lab, f"jobs/{made.job}/tests/", limit="3", offset="4")
    assert [c["id"] for c in window["results"]] == made.cases[4:7]
    base = lab.server.base_url + f"/api/v0.2/jobs/{made.job}/tests/"
    assert window["next"] == f"{base}?limit=3&offset=7"
    assert window["previous"] == f"{base}?limit=3&offset=1"
    for case in every["results"]:  # always the suite-nested URL
        assert f"/suites/{made.suite_of[case['id']]}/tests/{case['id']}/" in case["resource_uri"]
    past = ok(lab, f"jobs/{made.job}/tests/", offset="100")
    assert (past["count"], past["results"], past["next"]) == (8, [], None)


def test_suite_cases_are_that_suites(lab, made):
    smoke = made.suites[1]
    listed = ok(lab, f"jobs/{made.job}/suites/{smoke}/tests/", limit="2", offset="1")
    expected = [case for case in made.cases if made.suite_of[case] == smoke]
    assert listed["count"] == len(expected)
    assert [c["id"] for c in listed["results"]] == expected[1:3]


@pytest.mark.parametrize(
    "path",
    [
        "jobs/{job}/suites/{other_suite}/",
        "jobs/{job}/tests/{other_case}/",
        "jobs/{job}/suites/{suite}/tests/{other_case}/",
        "jobs/{job}/suites/{other_lava}/tests/{case}/",
        "jobs/{job}/suites/abc/",
        "jobs/abc/suites/",
        "jobs/99999999/suites/",
        "jobs/99999999/tests/",
    ],
)
def test_what_the_job_does_not_hold_is_not_found(lab, made, path):
    url = path.format(
        job=made.job,
        suite=made.suites[0],
        case=made.cases[0],
        other_suite=made.personal_suite,
        other_case=made.personal_case,
        other_lava=made.suites[1],
    )
    response = rest_get(lab, url, "vis-admin")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


HIDDEN_ROUTES = [
    "jobs/{job}/suites/",
    "jobs/{job}/suites/{suite}/",
    "jobs/{job}/suites/{suite}/tests/",
    "jobs/{job}/suites/{suite}/tests/{case}/",
    "jobs/{job}/tests/",
    "jobs/{job}/tests/{case}/",
]


@pytest.mark.parametrize("path", HIDDEN_ROUTES)
@pytest.mark.parametrize("viewer", [None, "vis-outsider"])
def test_a_hidden_jobs_results_are_forbidden(lab, made, path, viewer):
    """LAVA master: a job the caller may not see is a 403 on every nested route."""
    url = path.format(job=made.personal_job, suite=made.personal_suite, case=made.personal_case)
    response = rest_get(lab, url, viewer)
    assert (response.status_code, response.json()) == (403, NOT_PERMITTED)
    assert rest_get(lab, url, "vis-owner").status_code == 200
    assert rest_get(lab, url, "vis-admin").status_code == 200


def _window_statements(lab, job_id: int, offset: int, limit: int) -> tuple[int, list[int]]:
    """SQL statements one test-case page costs (the job check aside), and its ids."""
    admin = Viewer(user_id=-1, username="rest-results-admin", is_superuser=True)

    async def run() -> tuple[int, list[int]]:
        engine = create_engine(lab.database_url)
        ctx = RequestContext(session_factory(engine), admin)
        try:
            counter = start_counting_statements()
            _count, found = await results.counted_cases_window(ctx, job_id, None, offset, limit)
            return counter[0], [case.id for case in found]
        finally:
            await ctx.close()
            await engine.dispose()

    return asyncio.run(run())


def test_a_page_costs_two_statements_at_any_size_or_offset(lab, made):
    assert _window_statements(lab, made.job, 0, 2) == (2, made.cases[:2])
    assert _window_statements(lab, made.job, 0, 50) == (2, made.cases)
    assert _window_statements(lab, made.job, 6, 50) == (2, made.cases[6:])
    assert _window_statements(lab, made.job, 8, 50) == (2, [])


def ids(lab, path: str, **params) -> list[int]:
    listed = ok(lab, path, "vis-admin", **params)
    assert listed["count"] == len(listed["results"])
    return [item["id"] for item in listed["results"]]


def test_cases_are_filtered_as_lava_filters_them(lab, made):
    tests = f"jobs/{made.job}/tests/"
    case = dict(zip(["validate", *(f"case-{n}" for n in range(1, 8))], made.cases, strict=True))
    assert ids(lab, tests, result="fail") == [case["case-1"], case["case-5"]]
    assert ids(lab, tests, result="FAIL") == [case["case-1"], case["case-5"]]  # any case
    assert ids(lab, tests, suite__name="lava") == [
        case[n] for n in ("validate", "case-3", "case-6")
    ]
    assert ids(lab, tests, name__startswith="case-", result__in="skip,unknown") == [
        case[n] for n in ("case-2", "case-3", "case-6", "case-7")
    ]
    assert ids(lab, tests, units="seconds") == [case["validate"]]
    assert ids(lab, tests, measurement__gt="20") == [case["validate"]]
    assert ids(lab, tests, start_log_line__gte="6") == [case["case-6"], case["case-7"]]
    assert ids(lab, tests, test_set=str(made.test_set)) == [
        case[n] for n in ("case-1", "case-2", "case-4", "case-5", "case-7")
    ]
    assert case["validate"] not in ids(lab, tests, **{"result!": "pass"})
    smoke = f"jobs/{made.job}/suites/{made.suites[1]}/tests/"
    assert ids(lab, smoke, result="fail") == [case["case-1"], case["case-5"]]
    assert ids(lab, tests, nosuchfield="1") == made.cases  # unknown parameters are ignored


def test_filtered_pages_keep_the_filter_in_their_links(lab, made):
    listed = ok(lab, f"jobs/{made.job}/tests/", "vis-admin", result="fail", limit="1")
    assert listed["count"] == 2 and len(listed["results"]) == 1
    assert listed["next"].endswith(f"/jobs/{made.job}/tests/?limit=1&offset=1&result=fail")


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"id": "abc"}, {"id": ["Enter a number."]}),
        (
            {"result": "bogus"},
            {"result": ["Select a valid choice. bogus is not one of the available choices."]},
        ),
    ],
)
def test_bad_filter_values_are_400s(lab, made, params, body):
    response = rest_get(lab, f"jobs/{made.job}/tests/", "vis-admin", **params)
    assert (response.status_code, response.json()) == (400, body)


def test_suites_are_filtered_and_ordered(lab, made):
    suites = f"jobs/{made.job}/suites/"
    assert ids(lab, suites, name="lava") == [made.suites[0]]
    assert ids(lab, suites, name__icontains="SMOKE") == [made.suites[1]]
    assert ids(lab, suites, id__gt=str(made.suites[0])) == [made.suites[1]]
    assert ids(lab, suites, ordering="-id") == made.suites[::-1]
    assert ids(lab, suites, ordering="name") == made.suites[::-1]  # "0_rest-smoke" < "lava"


def test_cases_are_ordered_on_request(lab, made):
    tests = f"jobs/{made.job}/tests/"
    assert ids(lab, tests, ordering="-id") == made.cases[::-1]
    window = ok(lab, tests, "vis-admin", ordering="-id", limit="2", offset="1")
    assert [c["id"] for c in window["results"]] == made.cases[::-1][1:3]
    assert ids(lab, tests, ordering="nosuchfield") == made.cases
