"""results.*: a job's results as YAML and CSV, its metadata, and custom queries."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import xml.dom.minidom
import xmlrpc.client
from decimal import Decimal

import pytest
import sqlalchemy
import yaml
from sqlalchemy.orm import Session

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.models import JobLog, TestCase, TestJob, TestSuite, User
from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.resolvers.context import ANONYMOUS, RequestContext, Viewer
from gql_server.resolvers.jobs import get_job
from gql_server.resolvers.results import Window, job_case_batches, job_junit, job_tap13
from tests.support.xmlrpc import LOGIN_REQUIRED, fault, user_id, xmlrpc_proxy

LOGGED = dt.datetime(2022, 7, 1, 0, 46, 44, 605000, tzinfo=dt.UTC)
PERF_METADATA = (
    "case: perf-metric-00\ndefinition: 3_perf\nmeasurement: '341.0852'\nresult: pass\nunits: ms\n"
)
VALIDATE_METADATA = (
    "case: validate\ndefinition: lava\nduration: '20.28'\nlevel: '1.1'\nnamespace: common\n"
    "result: pass\n"
)


@dataclasses.dataclass(frozen=True)
class ResultsJob:
    """A public job with three suites, and a personal job, both by vis-owner."""

    id: int
    sub_id: str
    private_id: int
    cases: dict[str, int]  # "suite/case" -> id (the last one for a repeated name)


def _case(suite: TestSuite, name: str, result: TestResult, **values) -> TestCase:
    return TestCase(suite_id=suite.id, name=name, result=int(result), logged=LOGGED, **values)


def _add_results(session: Session, job: TestJob) -> dict[str, int]:
    suites = {name: TestSuite(job_id=job.id, name=name) for name in ("lava", "0_smoke", "3_perf")}
    session.add_all(suites.values())
    session.flush()
    lava, smoke, perf = suites.values()
    cases = [
        _case(lava, "validate", TestResult.PASS, units="seconds",
              measurement=Decimal("20.28"), metadata_=VALIDATE_METADATA),
        _case(smoke, "case-a", TestResult.PASS, metadata_="case: case-a\nresult: pass\n"),
        _case(smoke, "case-b", TestResult.FAIL, start_log_line=3, end_log_line=5),
        _case(smoke, "case-c", TestResult.SKIP, start_log_line=0, end_log_line=0),
        _case(smoke, "twice", TestResult.UNKNOWN),
        _case(smoke, "twice", TestResult.PASS),
        _case(perf, "perf-metric-00", TestResult.PASS, units="ms",
              measurement=Decimal("341.0852"), metadata_=PERF_METADATA,
              start_log_line=206, end_log_line=207),
        _case(lava, "job", TestResult.PASS, metadata_="case: job\nresult: pass\n"),
    ]  # fmt: skip
    session.add_all(cases)
    session.flush()
    names = {suite.id: name for name, suite in suites.items()}
    return {f"{names[case.suite_id]}/{case.name}": case.id for case in cases}


def _job(session: Session, owner: int, public: bool, description: str) -> TestJob:
    job = TestJob(
        description=description,
        is_public=public,
        submitter_id=owner,
        requested_device_type_id="vis-public-type",
        actual_device_id="vis-public-01",
        state=int(JobState.FINISHED),
        health=int(JobHealth.COMPLETE),
        token="xr-results-secret-token",
        metadata_={"build": "13", "nested": {"a": "1"}, "empty": None},
    )
    session.add(job)
    session.flush()
    return job


@pytest.fixture(scope="module")
def results_job(lab) -> ResultsJob:
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = _job(session, owner.id, True, "xr-results-public")
        job.sub_id, job.target_group = f"{job.id}.0", f"xr-results-{job.id}"
        cases = _add_results(session, job)
        session.add(JobLog(job_id=job.id, content="".join(f"- line {n}\n" for n in range(8))))
        private = _job(session, owner.id, False, "xr-results-private")
        _add_results(session, private)
        session.commit()
        made = ResultsJob(job.id, job.sub_id, private.id, cases)
    engine.dispose()
    return made


def test_job_results_yaml_is_what_lavacli_reads(lab, owner, results_job):
    text = owner.results.get_testjob_results_yaml(results_job.id)
    records = yaml.safe_load(text)
    assert [(r["suite"], r["name"], r["result"]) for r in records] == [
        ("lava", "validate", "pass"), ("lava", "job", "pass"),
        ("0_smoke", "case-a", "pass"), ("0_smoke", "case-b", "fail"),
        ("0_smoke", "case-c", "skip"), ("0_smoke", "twice", "unknown"),
        ("0_smoke", "twice", "pass"), ("3_perf", "perf-metric-00", "pass"),
    ]  # fmt: skip
    perf_id = results_job.cases["3_perf/perf-metric-00"]
    assert text.endswith(
        f"- name: perf-metric-00\n  job: '{results_job.id}'\n  suite: 3_perf\n  result: pass\n"
        f"  measurement: '341.0852'\n  unit: ms\n  level: ''\n"
        f"  url: /results/testcase/{perf_id}\n  id: '{perf_id}'\n"
        "  logged: '2022-07-01 00:46:44.605000+00:00'\n"
        "  log_start_line: '206'\n  log_end_line: '207'\n  metadata:\n"
        "    case: perf-metric-00\n    definition: 3_perf\n    measurement: '341.0852'\n"
        "    result: pass\n    units: ms\n"
    )
    validate = records[0]
    assert validate["level"] == "1.1" and validate["measurement"] == "20.28"
    assert records[1]["measurement"] == "None" and "  measurement: None\n" in text
    case_c = records[4]
    assert (case_c["log_start_line"], case_c["log_end_line"], case_c["metadata"]) == ("", "", {})
    assert owner.results.get_testjob_results_yaml(results_job.sub_id) == text


def test_job_results_csv_quotes_every_field(lab, owner, results_job):
    text = owner.results.get_testjob_results_csv(str(results_job.id))
    lines = text.split("\n")  # the client's XML parser turned CR LF into LF
    assert lines[0] == (
        '"job","suite","result","measurement","unit","duration","timeout","logged","level",'
        '"metadata","url","name","id","log_start_line","log_end_line"'
    )
    perf_id = results_job.cases["3_perf/perf-metric-00"]
    assert lines[-2] == (
        f'"{results_job.id}","3_perf","pass","341.0852","ms","","",'
        '"2022-07-01 00:46:44.605000+00:00","",'
        "\"{'case': 'perf-metric-00', 'definition': '3_perf', 'measurement': '341.0852', "
        f"'result': 'pass', 'units': 'ms'}}\",\"/results/testcase/{perf_id}\","
        f'"perf-metric-00","{perf_id}","206","207"'
    )
    assert lines[-1] == "" and len(lines) == 10


def test_suites_lists(lab, owner, results_job):
    suites = yaml.safe_load(owner.results.get_testjob_suites_list_yaml(results_job.id))
    assert [s["name"] for s in suites] == ["lava", "0_smoke", "3_perf"]
    assert list(suites[0]) == ["id", "job", "name"] and suites[0]["job"] == str(results_job.id)
    lines = owner.results.get_testjob_suites_list_csv(results_job.id).split("\n")
    assert lines[0] == '"name","job","id"'
    assert lines[1] == f'"lava","{results_job.id}","{suites[0]["id"]}"' and len(lines) == 5


def test_suite_results_slices_and_count(lab, owner, results_job):
    get = owner.results.get_testsuite_results_yaml
    every = [r["name"] for r in yaml.safe_load(get(results_job.id, "0_smoke"))]
    assert every == ["case-a", "case-b", "case-c", "twice", "twice"]
    assert [r["name"] for r in yaml.safe_load(get(results_job.id, "0_smoke", 2, 1))] == every[1:3]
    assert [r["name"] for r in yaml.safe_load(get(results_job.id, "0_smoke", 0, 3))] == every
    assert [r["name"] for r in yaml.safe_load(get(results_job.id, "0_smoke", 2))] == every[:2]
    assert get(results_job.id, "0_smoke", -1) == "[]\n"
    assert get(results_job.id, "0_smoke", 2, -1) == "[]\n"
    code, _ = fault(lambda: get(results_job.id, "0_smoke", "2"))
    assert code == -32603
    csv_lines = owner.results.get_testsuite_results_csv(results_job.id, "0_smoke", 1, 1)
    assert csv_lines.split("\n")[1].startswith(f'"{results_job.id}","0_smoke","fail","None"')
    assert owner.results.get_testsuite_results_count(results_job.id, "0_smoke") == 5
    assert owner.results.get_testsuite_results_count(results_job.id, "lava") == 2


def test_test_case_results(lab, owner, results_job):
    twice = yaml.safe_load(
        owner.results.get_testcase_results_yaml(results_job.id, "0_smoke", "twice")
    )
    assert [r["result"] for r in twice] == ["unknown", "pass"]
    assert owner.results.get_testcase_results_yaml(results_job.id, "0_smoke", "nope") == "[]\n"
    lines = owner.results.get_testcase_results_csv(results_job.id, "0_smoke", "case-b").split("\n")
    assert len(lines) == 3 and lines[1].endswith(
        ',"case-b","' + str(results_job.cases["0_smoke/case-b"]) + '","3","5"'
    )
    assert fault(
        lambda: owner.results.get_testcase_results_csv(results_job.id, "0_smoke", "nope")
    ) == (404, "Specified test case not found.")
    code, _ = fault(
        lambda: owner.results.get_testcase_results_csv(results_job.id, "0_smoke", "twice")
    )
    assert code == -32603


def test_faults_of_job_methods(lab, owner, outsider, results_job):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert fault(lambda: anonymous.results.get_testjob_results_yaml(99999999)) == LOGIN_REQUIRED
    assert fault(lambda: anonymous.results.get_testjob_results_yaml(results_job.id)) == (
        LOGIN_REQUIRED
    )
    assert fault(lambda: owner.results.get_testjob_results_csv("")) == (
        400,
        "Bad request: TestJob id was not specified.",
    )
    for unknown in (99999999, "99999999.3", "abc"):
        assert fault(lambda u=unknown: owner.results.get_testjob_metadata(u)) == (
            404,
            "Specified job not found.",
        )
    private = results_job.private_id
    assert fault(lambda: outsider.results.get_testjob_results_yaml(private)) == (
        401,
        f"Permission denied for user to job {private}",
    )
    assert fault(lambda: outsider.results.get_testsuite_results_count(str(private), "lava")) == (
        401,
        f"Permission denied for user to job {private}",
    )
    assert yaml.safe_load(owner.results.get_testjob_results_yaml(private))  # the submitter sees it
    assert fault(lambda: owner.results.get_testsuite_results_yaml(results_job.id, "nope")) == (
        404,
        "Specified test suite not found.",
    )


def test_job_without_results_exports_empty(lab, owner):
    scenario_job = lab.scenario.public_job
    assert owner.results.get_testjob_results_yaml(scenario_job) == "[]\n"
    assert owner.results.get_testjob_results_csv(scenario_job).count("\n") == 1
    assert owner.results.get_testjob_suites_list_yaml(scenario_job) == "[]\n"


def test_job_metadata(lab, owner, results_job):
    metadata = owner.results.get_testjob_metadata(results_job.id)
    assert sorted(metadata, key=lambda item: next(iter(item))) == [
        {"build": "13"},
        {"empty": "None"},
        {"nested": "{'a': '1'}"},
    ]
    assert owner.results.get_testjob_metadata(lab.scenario.public_job) == []


def test_custom_query_of_jobs_returns_documented_fields(lab, owner, outsider, results_job):
    found = owner.results.make_custom_query(
        "testjob", "description__icontains__xr-results,testjob__health__exact__Complete", 10
    )
    assert [job["id"] for job in found] == [results_job.private_id, results_job.id]
    job = found[1]
    assert job["testjob_ptr_id"] == job["id"] and job["state"] == 5 and job["health"] == 1
    assert job["sub_id"] == results_job.sub_id and job["metadata"]["build"] == "13"
    assert not {"token", "_state", "status", "submitter_username"} & set(job)
    assert isinstance(job["submit_time"], xmlrpc.client.DateTime)
    seen = outsider.results.make_custom_query("testjob", "description__icontains__xr-results")
    assert [job["id"] for job in seen] == [results_job.id]
    by_case = owner.results.make_custom_query(
        "testjob", "testcase__name__exact__perf-metric-00,description__xr-results-public"
    )
    assert [job["id"] for job in by_case] == [results_job.id]
    assert owner.results.make_custom_query("testjob", "submitter__exact__vis-owner", 0) == []


def test_custom_query_of_suites_and_cases(lab, owner, results_job):
    suites = owner.results.make_custom_query(
        "testsuite", "name__3_perf,testjob__description__exact__xr-results-public"
    )
    assert [(s["name"], s["job_id"]) for s in suites] == [("3_perf", results_job.id)]
    assert suites[0]["testsuite_ptr_id"] == suites[0]["id"]
    cases = owner.results.make_custom_query(
        "testcase", "measurement__gt__100,testjob__description__exact__xr-results-public"
    )
    assert [case["name"] for case in cases] == ["perf-metric-00"]
    assert cases[0]["measurement"] == "341.0852" and cases[0]["result"] == 0
    failed = owner.results.make_custom_query(
        "testcase", "result__exact__Test failed,testsuite__name__exact__0_smoke", 200
    )
    assert {case["name"] for case in failed} == {"case-b"}
    not_passed = owner.results.make_custom_query(
        "testcase", "result__ne__Test passed,testjob__description__exact__xr-results-public"
    )
    assert {case["name"] for case in not_passed} == {"case-b", "case-c", "twice"}


def test_custom_query_faults(lab, owner):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert fault(lambda: anonymous.results.make_custom_query("testjob", "")) == LOGIN_REQUIRED
    assert fault(lambda: owner.results.make_custom_query("device", "")) == (
        400,
        "Wrong table name in entity parameter. Please refer to query docs.",
    )
    assert fault(lambda: owner.results.make_custom_query("testjob", "bogus__exact__1")) == (
        400,
        "Conditions URL incorrect: Field does not exist. Please refer to query docs.",
    )
    for malformed in ("name", "a__b__c__d__e", "testjob__priority__gt__high", "name__like__x"):
        code, _ = fault(lambda m=malformed: owner.results.make_custom_query("testsuite", m))
        assert code == -32603, malformed


def test_saved_queries(lab, owner):
    admin = xmlrpc_proxy(lab.server.base_url, "vis-admin", lab.tokens["vis-admin"])
    assert fault(lambda: owner.results.run_query("nightly")) == (
        404,
        "Query with name nightly owned by user vis-owner does not exist.",
    )
    assert fault(lambda: owner.results.refresh_query("nightly", "vis-member")) == (
        400,
        "Query with name nightly owned by user vis-member does not exist.",
    )
    assert fault(lambda: owner.results.refresh_all_queries()) == (
        401,
        "Permission denied for user vis-owner. Must be a superuser to refresh all queries.",
    )
    assert admin.results.refresh_all_queries() is None
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert fault(lambda: anonymous.results.run_query("nightly")) == LOGIN_REQUIRED


def read_as(lab, viewer: Viewer, stream) -> list:
    """Everything ``stream(ctx)`` (an async iterator) yields, for ``viewer``."""

    async def run() -> list:
        engine = create_engine(lab.database_url)
        ctx = RequestContext(session_factory(engine), viewer)
        try:
            return [item async for item in stream(ctx)]
        finally:
            await ctx.close()
            await engine.dispose()

    return asyncio.run(run())


def test_exporter_reads_in_keyset_batches(lab, results_job):
    admin = Viewer(user_id=-1, username="xr-results-admin", is_superuser=True)

    def read(**options):
        return read_as(lab, admin, lambda ctx: job_case_batches(ctx, results_job.id, **options))

    whole = [row for batch in read() for row in batch]
    small = read(batch_size=3)
    assert [len(batch) for batch in small] == [2, 3, 2, 1]  # suite by suite, at most 3
    assert [row for batch in small for row in batch] == whole
    assert [row.name for row in whole[:3]] == ["validate", "job", "case-a"]  # suite by suite
    by_id = [row for batch in read(by_suite=False, batch_size=2) for row in batch]
    assert [row.id for row in by_id] == sorted(row.id for row in whole)
    for offset, limit in ((2, 4), (0, 1), (3, None), (7, 5), (9, 2)):
        window = [
            row for batch in read(window=Window(offset, limit), batch_size=2) for row in batch
        ]
        assert window == whole[offset : None if limit is None else offset + limit], (offset, limit)
    assert [row for batch in read(by_suite=False, window=Window(1, 3)) for row in batch] == (
        sorted(whole, key=lambda row: row.id)[1:4]
    )


def test_exporter_reads_nothing_of_an_invisible_job(lab, results_job):
    batches = read_as(lab, ANONYMOUS, lambda ctx: job_case_batches(ctx, results_job.private_id))
    assert batches == []


def test_tap13_and_junit_of_a_job(lab, results_job):
    owner = Viewer(user_id=user_id(lab, "vis-owner"), username="vis-owner")
    tap = "".join(read_as(lab, owner, lambda ctx: job_tap13(ctx, results_job.id)))
    assert tap.splitlines()[:4] == [
        "TAP version 13",
        "1..8",
        "# TAP results for lava",
        "ok 1 validate",
    ]
    assert "not ok 4 case-b\n ---\n - line 3\n - line 4\n ...\nok 5 case-c # SKIP" in tap

    async def junit(ctx):
        job = await get_job(ctx, results_job.id)
        async for chunk in job_junit(ctx, job, "xr"):
            yield chunk

    text = "".join(read_as(lab, owner, junit))
    document = xml.dom.minidom.parseString(text)
    suites = document.getElementsByTagName("testsuite")
    assert [s.getAttribute("name") for s in suites] == ["lava", "0_smoke", "3_perf"]
    assert [s.getAttribute("tests") for s in suites] == ["2", "5", "1"]
    assert suites[0].getAttribute("time") == "20.28"
    failure = document.getElementsByTagName("failure")[0]
    assert failure.firstChild.data == "- line 3\n- line 4\n"
    assert {c.getAttribute("classname") for c in document.getElementsByTagName("testcase")} == {
        "xr_lava", "xr_0_smoke", "xr_3_perf"
    }  # fmt: skip
