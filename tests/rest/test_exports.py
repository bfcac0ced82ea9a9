"""A job's results and log as files: csv/, yaml/, junit/, tap13/, a suite's csv/ and yaml/,
logs/ and metadata/ — LAVA's names, types and layouts, streamed."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
import threading
import xml.dom.minidom
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy
import uvicorn
import yaml
from sqlalchemy.orm import Session

from gql_server.app import create_app
from gql_server.config import Settings
from gql_server.db.engine import create_engine, session_factory
from gql_server.db.models import JobLog, TestCase, TestJob, TestSuite, User
from gql_server.lab.enums import JobHealth, JobState, TestResult
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.results import EXPORT_BATCH, Window, job_case_batches
from tests.support.live import wait_for
from tests.support.rest import rest_call, rest_get
from tests.support.server import free_port
from tests.support.xmlrpc import xmlrpc_proxy

LOGGED = dt.datetime(2022, 7, 1, 0, 45, 13, 355000, tzinfo=dt.UTC)
ENDED = dt.datetime(2022, 7, 1, 0, 56, 2, tzinfo=dt.UTC)
LOG = "".join(f'- {{"dt": "2022-07-01T00:45:{n:02}", "lvl": "info", "msg": "line {n}"}}\n'
              for n in range(6))  # fmt: skip
CSV_HEADER = (
    '"job","suite","result","measurement","unit","duration","timeout","logged","level",'
    '"metadata","url","name","id","log_start_line","log_end_line"\r\n'
)
NOT_FOUND = {"detail": "Not found."}


@dataclasses.dataclass(frozen=True)
class Made:
    """A public job (ids in suite order), a personal one and one without results or log."""

    job: int
    suites: dict[str, int]
    cases: list[int]
    personal_job: int
    personal_suite: int
    empty_job: int


def _job(session: Session, owner: int, public: bool, **values) -> TestJob:
    job = TestJob(
        description="rest-exports",
        is_public=public,
        submitter_id=owner,
        requested_device_type_id="vis-public-type",
        actual_device_id="vis-public-01",
        state=int(JobState.FINISHED),
        health=int(JobHealth.COMPLETE),
        end_time=ENDED,
        **values,
    )
    session.add(job)
    session.flush()
    return job


def _results(session: Session, job: TestJob) -> tuple[dict[str, int], list[int]]:
    suites = {name: TestSuite(job_id=job.id, name=name) for name in ("lava", "0_rest-export")}
    session.add_all(suites.values())
    session.flush()
    lava, smoke = suites["lava"].id, suites["0_rest-export"].id
    rows = [
        TestCase(suite_id=lava, name="validate", result=int(TestResult.PASS), units="seconds",
                 measurement=Decimal("20.28"), logged=LOGGED,
                 metadata_="case: validate\ndefinition: lava\nduration: '20.28'\nlevel: '1.1'\n"
                           "result: pass\n"),
        TestCase(suite_id=lava, name="job", result=int(TestResult.PASS), logged=LOGGED,
                 metadata_="case: job\nresult: pass\n"),
        TestCase(suite_id=smoke, name="case-a", result=int(TestResult.PASS), logged=LOGGED),
        TestCase(suite_id=smoke, name="case-b", result=int(TestResult.FAIL), logged=LOGGED,
                 start_log_line=1, end_log_line=3),
        TestCase(suite_id=smoke, name="case-c", result=int(TestResult.SKIP), logged=LOGGED),
    ]  # fmt: skip
    for row in rows:  # one at a time: ids in suite order
        session.add(row)
        session.flush()
    return {name: suite.id for name, suite in suites.items()}, [row.id for row in rows]


@pytest.fixture(scope="module")
def made(lab) -> Made:
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = _job(session, owner.id, True, metadata_={"build": "13", "nested": {"a": 1}})
        suites, cases = _results(session, job)
        session.add(JobLog(job_id=job.id, content=LOG))
        personal = _job(session, owner.id, False)
        personal_suites, _ = _results(session, personal)
        session.add(JobLog(job_id=personal.id, content=LOG))
        empty = _job(session, owner.id, True)
        session.commit()
        made = Made(job.id, suites, cases, personal.id, personal_suites["lava"], empty.id)
    engine.dispose()
    return made


def download(lab, path: str, viewer: str | None = None, **params):
    response = rest_get(lab, path, viewer, **params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("path", "media_type", "filename"),
    [
        ("csv/", "application/csv", "job_{job}.csv"),
        ("yaml/", "application/yaml", "job_{job}.yaml"),
        ("junit/", "application/xml", "job_{job}.xml"),
        ("tap13/", "application/yaml", "job_{job}.yaml"),
        ("logs/", "application/yaml", "job_{job}.yaml"),
        ("suites/{lava}/csv/", "application/csv", "suite_lava.csv"),
        ("suites/{lava}/yaml/", "application/yaml", "suite_lava.yaml"),
    ],
)
def test_files_carry_lavas_names_and_types(lab, made, path, media_type, filename):
    url = f"jobs/{made.job}/" + path.format(lava=made.suites["lava"])
    response = download(lab, url)
    assert response.headers["content-type"] == media_type
    expected = f"attachment; filename={filename.format(job=made.job)}"
    assert response.headers["content-disposition"] == expected
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    head = rest_call(lab, "HEAD", url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-disposition"] == expected


def test_job_csv_by_id_and_sliced(lab, made):
    text = download(lab, f"jobs/{made.job}/csv/").text
    lines = text.split("\r\n")
    assert lines[0] + "\r\n" == CSV_HEADER and lines[-1] == "" and len(lines) == 7
    assert lines[1] == (
        f'"{made.job}","lava","pass","20.28","seconds","","","2022-07-01 00:45:13.355000+00:00",'
        "\"1.1\",\"{'case': 'validate', 'definition': 'lava', 'duration': '20.28', "
        f"'level': '1.1', 'result': 'pass'}}\",\"/results/testcase/{made.cases[0]}\","
        f'"validate","{made.cases[0]}","",""'
    )
    assert lines[4].endswith(f'"case-b","{made.cases[3]}","1","3"')
    sliced = download(lab, f"jobs/{made.job}/csv/", limit="2", offset="1").text.split("\r\n")
    assert sliced[1:3] == lines[2:4] and len(sliced) == 4
    assert download(lab, f"jobs/{made.job}/csv/", limit="-1").text == CSV_HEADER
    assert download(lab, f"jobs/{made.empty_job}/csv/").text == CSV_HEADER


def test_job_yaml_records(lab, made):
    records = yaml.safe_load(download(lab, f"jobs/{made.job}/yaml/").text)
    assert [r["id"] for r in records] == [str(case) for case in made.cases]
    assert list(records[0])[:4] == ["name", "job", "suite", "result"]
    sliced = yaml.safe_load(download(lab, f"jobs/{made.job}/yaml/", limit="1", offset="4").text)
    assert [r["name"] for r in sliced] == ["case-c"]
    assert download(lab, f"jobs/{made.empty_job}/yaml/").text == "[]\n"


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_rest_exports_are_the_xmlrpc_ones(lab, made, kind):
    """XML-RPC sends the same text (its client reads CR LF as LF)."""
    proxy = xmlrpc_proxy(lab.server.base_url, "vis-owner", lab.tokens["vis-owner"])
    by_xmlrpc = getattr(proxy.results, f"get_testjob_results_{kind}")(made.job)
    assert download(lab, f"jobs/{made.job}/{kind}/").text.replace("\r\n", "\n") == by_xmlrpc
    suite = download(lab, f"jobs/{made.job}/suites/{made.suites['0_rest-export']}/{kind}/").text
    by_suite = getattr(proxy.results, f"get_testsuite_results_{kind}")(made.job, "0_rest-export")
    assert suite.replace("\r\n", "\n") == by_suite


def test_suite_exports_slice(lab, made):
    smoke = f"jobs/{made.job}/suites/{made.suites['0_rest-export']}/"
    names = [r["name"] for r in yaml.safe_load(download(lab, smoke + "yaml/").text)]
    assert names == ["case-a", "case-b", "case-c"]
    sliced = yaml.safe_load(download(lab, smoke + "yaml/", limit="2", offset="1").text)
    assert [r["name"] for r in sliced] == names[1:]
    csv_lines = download(lab, smoke + "csv/", limit="1", offset="2").text.split("\r\n")
    assert len(csv_lines) == 3 and csv_lines[1].endswith(f'"case-c","{made.cases[4]}","",""')
    bad = [({"limit": "two"}, "limit"), ({"limit": "1", "offset": str(2**63)}, "offset")]
    for params, named in bad:
        response = rest_get(lab, smoke + "csv/", **params)
        assert response.status_code == 400
        assert response.json()["detail"].startswith(f"{named} must be an integer")


def test_junit_document(lab, made):
    text = download(lab, f"jobs/{made.job}/junit/").text
    assert text.startswith(
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites disabled="0" errors="0" '
        'failures="1" tests="5" time="20.28">\n'
        '\t<testsuite disabled="0" errors="0" failures="0" name="lava" skipped="0" tests="2" '
        'time="20.28" timestamp="2022-07-01T00:56:02+00:00">\n'
    )
    failure = LOG.splitlines(keepends=True)[1:3]
    assert xml.dom.minidom.parseString(text).getElementsByTagName("failure")[
        0
    ].firstChild.data == "".join(failure)
    prefixed = download(lab, f"jobs/{made.job}/junit/", classname_prefix="unique").text
    assert 'classname="unique_0_rest-export"' in prefixed
    assert 'classname="0_rest-export"' not in prefixed
    empty = download(lab, f"jobs/{made.empty_job}/junit/").text
    assert empty == '<?xml version="1.0" encoding="utf-8"?>\n<testsuites/>\n'


def test_tap13_document(lab, made):
    lines = download(lab, f"jobs/{made.job}/tap13/").text.splitlines()
    assert lines[:5] == [
        "TAP version 13", "1..5", "# TAP results for lava", "ok 1 validate", "ok 2 job",
    ]  # fmt: skip
    assert lines[5:8] == ["# TAP results for 0_rest-export", "ok 3 case-a", "not ok 4 case-b"]
    assert lines[-1] == "ok 5 case-c # SKIP test skipped"


def test_logs_whole_and_ranges(lab, made):
    logs = f"jobs/{made.job}/logs/"
    whole = download(lab, logs)
    assert whole.text == LOG and whole.headers["content-length"] == str(len(LOG))
    assert download(lab, logs, start="1", end="3").text == "".join(LOG.splitlines(True)[1:3])
    assert download(lab, logs, start="4").text == "".join(LOG.splitlines(True)[4:])
    for params in ({"start": "10"}, {"start": "3", "end": "3"}):
        response = rest_get(lab, logs, **params)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    for params in ({"start": "abc"}, {"end": "1.5"}, {"start": "-1"}):
        response = rest_get(lab, logs, **params)
        assert response.status_code == 400 and response.json()["detail"]
    missing = rest_get(lab, f"jobs/{made.empty_job}/logs/")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)


def test_metadata(lab, made):
    response = download(lab, f"jobs/{made.job}/metadata/")
    assert response.json() == {"metadata": [{"build": "13"}, {"nested": "{'a': 1}"}]}
    assert download(lab, f"jobs/{made.empty_job}/metadata/").json() == {"metadata": []}


JOB_FILES = ["csv/", "yaml/", "junit/", "tap13/", "logs/", "metadata/"]


@pytest.mark.parametrize("path", JOB_FILES)
def test_a_hidden_jobs_files_are_not_found(lab, made, path):
    url = f"jobs/{made.personal_job}/{path}"
    for viewer in (None, "vis-outsider"):
        response = rest_get(lab, url, viewer)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert rest_get(lab, url, "vis-owner").status_code == 200
    assert rest_get(lab, f"jobs/99999999/{path}", "vis-admin").status_code == 404


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_a_hidden_jobs_suite_files_are_forbidden(lab, made, kind):
    """Under jobs/<id>/suites/, LAVA master's check: 403 for a job one may not see."""
    url = f"jobs/{made.personal_job}/suites/{made.personal_suite}/{kind}/"
    response = rest_get(lab, url, "vis-outsider")
    assert response.status_code == 403
    assert rest_get(lab, url, "vis-owner").status_code == 200
    other_jobs_suite = f"jobs/{made.job}/suites/{made.personal_suite}/{kind}/"
    assert rest_get(lab, other_jobs_suite, "vis-admin").status_code == 404


# --- streaming: the first rows leave early, and a client that goes away stops the reading ---

BIG_JOB_CASES = 100_000


@pytest.fixture(scope="module")
def big_job(lab) -> int:
    """A public job of 100,000 test cases in one suite."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = _job(session, owner.id, True)
        suite = TestSuite(job_id=job.id, name="0_big")
        session.add(suite)
        session.flush()
        rows = [
            {"suite_id": suite.id, "name": f"case-{n}", "result": n % 4, "units": "",
             "logged": LOGGED, "metadata_": f"case: case-{n}\nresult: pass\n"}
            for n in range(BIG_JOB_CASES)
        ]  # fmt: skip
        for start in range(0, len(rows), 10_000):
            session.execute(sqlalchemy.insert(TestCase), rows[start : start + 10_000])
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


@dataclasses.dataclass
class InProcessServer:
    """The application served by uvicorn in a thread of the test process, so that the test
    can watch its SQL statements and request contexts."""

    url: str
    batch_reads: list[int]  # statements reading test-case rows, counted while the server runs
    closed: threading.Event  # set when a request context closes


@pytest.fixture
def in_process(lab, monkeypatch) -> Iterator[InProcessServer]:
    batch_reads, closed = [0], threading.Event()

    def count(_conn, _cursor, statement, *_args) -> None:
        if "FROM lava_results_app_testcase" in statement and "LIMIT" in statement:
            batch_reads[0] += 1

    original_close = RequestContext.close

    async def close(self: RequestContext) -> None:
        await original_close(self)
        closed.set()

    monkeypatch.setattr(RequestContext, "close", close)
    port = free_port()
    settings = Settings(
        database_url=lab.database_url,
        embedded_publisher=False,
        event_socket=f"tcp://127.0.0.1:{free_port()}",
        internal_event_socket=f"tcp://127.0.0.1:{free_port()}",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), "the server", deadline_s=60)
    assert server.started, "server did not start"
    sqlalchemy.event.listen(sqlalchemy.Engine, "before_cursor_execute", count)
    try:
        yield InProcessServer(f"127.0.0.1:{port}", batch_reads, closed)
    finally:
        sqlalchemy.event.remove(sqlalchemy.Engine, "before_cursor_execute", count)
        server.should_exit = True
        thread.join(timeout=30)


def test_a_client_that_goes_away_stops_the_export(big_job, in_process):
    host, port = in_process.url.split(":")
    total_batches = BIG_JOB_CASES // EXPORT_BATCH
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)
        client.connect((host, int(port)))
        request = f"GET /api/v0.2/jobs/{big_job}/csv/ HTTP/1.1\r\nHost: {host}\r\n\r\n"
        client.sendall(request.encode())
        received = client.recv(65_536)
        assert received.startswith(b"HTTP/1.1 200 ")
        while b"\r\n\r\n" not in received:
            received += client.recv(65_536)
        body = received.split(b"\r\n\r\n", 1)[1]
        while len(body) < 100_000:
            body += client.recv(65_536)
        reads_when_first_rows_arrived = in_process.batch_reads[0]
        in_process.closed.clear()
    # The client has gone: the server must notice, stop reading and close the request.
    assert in_process.closed.wait(timeout=60), "the export went on after the client left"
    reads = in_process.batch_reads[0]
    assert CSV_HEADER.encode() in body and b'"case-0"' in body
    assert reads_when_first_rows_arrived < total_batches
    assert reads < total_batches // 2, f"{reads} of {total_batches} batches read"


# --- the order of a job's cases by id, merged from its suites ------------------------------


@pytest.fixture(scope="module")
def interleaved_job(lab) -> tuple[int, list[int]]:
    """A public job whose three suites' cases were recorded in turns; its case ids."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = _job(session, owner.id, True)
        suites = [TestSuite(job_id=job.id, name=f"{n}_part") for n in range(3)]
        session.add_all(suites)
        session.flush()
        ids = []
        for n in range(11):  # suite 0 gets runs of two, the others one at a time
            suite = suites[(n // 2) % 3] if n < 6 else suites[n % 3]
            case = TestCase(suite_id=suite.id, name=f"c{n}", result=0, logged=LOGGED)
            session.add(case)
            session.flush()
            ids.append(case.id)
        session.commit()
        made = job.id, ids
    engine.dispose()
    return made


def _exported_ids(lab, job_id: int, **options) -> list[list[int]]:
    admin = Viewer(user_id=-1, username="rest-exports-admin", is_superuser=True)

    async def run() -> list[list[int]]:
        engine = create_engine(lab.database_url)
        ctx = RequestContext(session_factory(engine), admin)
        try:
            batches = job_case_batches(ctx, job_id, by_suite=False, **options)
            return [[row.id for row in batch] async for batch in batches]
        finally:
            await ctx.close()
            await engine.dispose()

    return asyncio.run(run())


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_cases_by_id_merge_the_suites(lab, interleaved_job, batch_size):
    job_id, ids = interleaved_job
    batches = _exported_ids(lab, job_id, batch_size=batch_size)
    assert [case for batch in batches for case in batch] == ids
    assert all(len(batch) <= batch_size + 2 for batch in batches)  # about one batch each
    window = _exported_ids(lab, job_id, batch_size=batch_size, window=Window(3, 5))
    assert [case for batch in window for case in batch] == ids[3:8]
    assert _exported_ids(lab, job_id, batch_size=batch_size, window=Window(11, 5)) == []
