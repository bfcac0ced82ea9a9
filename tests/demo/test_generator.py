"""The demo lab: deterministic, complete, and true to LAVA's invariants, on both backends."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import inspect, text

from gql_server.db.engine import create_engine
from gql_server.db.migrate import migrate
from gql_server.demo import generator
from gql_server.demo.generator import DemoSummary, generate_demo, text_progress
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    TestResult,
    WorkerHealth,
    WorkerState,
)
from tests.support.databases import throwaway_database

JOBS = 300
FINISHED = int(JobState.FINISHED)
LOG_LINE = re.compile(
    r'- \{"dt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", "lvl": "(\w+)", "msg": (.*)\}'
)

# Selected columns whose digest must not change between two runs with the same seed.
DIGESTED = {
    "lava_scheduler_app_testjob": "id, is_public, submitter_id, description, health_check,"
    " requested_device_type_id, actual_device_id, submit_time, start_time, end_time, state,"
    " health, priority, definition, original_definition, queue_timeout, failure_comment,"
    " token, metadata",
    "lava_results_app_testsuite": "id, job_id, name",
    "lava_results_app_testset": "id, name, suite_id",
    "lava_results_app_testcase": "id, name, units, result, measurement, metadata, suite_id,"
    " test_set_id, logged",
    "gql_server_joblog": "job_id, content",
    "lava_scheduler_app_testjob_tags": "id, testjob_id, tag_id",
    "lava_scheduler_app_testjob_viewing_groups": "id, testjob_id, group_id",
    "lava_scheduler_app_device": "hostname, state, health, last_health_report_job_id",
}


async def _generate(url: str, jobs: int, **options: Any) -> DemoSummary:
    engine = create_engine(url)
    try:
        await migrate(engine)
        return await generate_demo(engine, jobs, **options)
    finally:
        await engine.dispose()


def generate(url: str, jobs: int = JOBS, **options: Any) -> DemoSummary:
    return asyncio.run(_generate(url, jobs, **options))


async def _fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    return asyncio.run(_fetch(url, sql))


def digest(url: str) -> str:
    sha = hashlib.sha256()
    for table, columns in DIGESTED.items():
        key = columns.split(",")[0]
        sha.update(repr(query(url, f"SELECT {columns} FROM {table} ORDER BY {key}")).encode())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def demo_lab(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, DemoSummary]]:
    with throwaway_database(backend, tmp_path_factory.mktemp("demo")) as url:
        yield url, generate(url)


@pytest.fixture(scope="module")
def jobs(demo_lab: tuple[str, DemoSummary]) -> list[dict[str, Any]]:
    url, _ = demo_lab
    columns = (
        "id, state, health, health_check, submitter_id, actual_device_id, submit_time,"
        " start_time, end_time, is_public, description, requested_device_type_id, priority,"
        " definition, original_definition, queue_timeout, failure_comment, metadata"
    )
    names = [c.strip() for c in columns.split(",")]
    jobs = []
    for row in query(url, f"SELECT {columns} FROM lava_scheduler_app_testjob ORDER BY id"):
        job = dict(zip(names, row, strict=True))
        if isinstance(job["metadata"], str):  # JSON text on SQLite
            job["metadata"] = json.loads(job["metadata"])
        jobs.append(job)
    return jobs


@pytest.fixture(scope="module")
def cases(demo_lab: tuple[str, DemoSummary]) -> list[dict[str, Any]]:
    url, _ = demo_lab
    sql = (
        "SELECT c.id, s.job_id, s.name, c.name, c.units, c.result, c.measurement, c.metadata,"
        " t.name FROM lava_results_app_testcase c"
        " JOIN lava_results_app_testsuite s ON s.id = c.suite_id"
        " LEFT JOIN lava_results_app_testset t ON t.id = c.test_set_id ORDER BY c.id"
    )
    names = ["id", "job", "suite", "name", "units", "result", "measurement", "metadata", "set"]
    cases = []
    for row in query(url, sql):
        case = dict(zip(names, row, strict=True))
        if case["measurement"] is not None:  # text on SQLite, numeric on PostgreSQL
            case["measurement"] = str(case["measurement"])
        cases.append(case)
    return cases


def test_summary_counts_the_rows(demo_lab: tuple[str, DemoSummary]) -> None:
    url, summary = demo_lab
    counted = {
        "device_types": "lava_scheduler_app_devicetype",
        "workers": "lava_scheduler_app_worker",
        "devices": "lava_scheduler_app_device",
        "jobs": "lava_scheduler_app_testjob",
        "suites": "lava_results_app_testsuite",
        "test_cases": "lava_results_app_testcase",
        "logs": "gql_server_joblog",
    }
    for field, table in counted.items():
        assert query(url, f"SELECT count(*) FROM {table}") == [(getattr(summary, field),)], field
    assert summary.jobs == JOBS
    assert summary.device_types == 6
    assert 3 <= summary.workers <= 4
    assert 25 <= summary.devices <= 35


def test_inventory_users_and_permissions(demo_lab: tuple[str, DemoSummary]) -> None:
    url, _ = demo_lab
    users = dict(query(url, "SELECT username, is_superuser FROM auth_user"))
    assert users == {"admin": 1, "alice": 0, "bob": 0, "carol": 0, "lava-health": 0}
    members = query(
        url,
        "SELECT g.name, u.username FROM auth_user_groups m JOIN auth_group g ON g.id = m.group_id"
        " JOIN auth_user u ON u.id = m.user_id ORDER BY 1, 2",
    )
    assert members == [("lab-team", "alice"), ("lab-team", "bob"), ("secret-project", "carol")]
    restricted = query(
        url,
        "SELECT g.name, p.codename, ct.app_label, ct.model, r.devicetype_id"
        " FROM lava_scheduler_app_groupdevicetypepermission r"
        " JOIN auth_group g ON g.id = r.group_id JOIN auth_permission p ON p.id = r.permission_id"
        " JOIN django_content_type ct ON ct.id = p.content_type_id",
    )
    assert restricted == [
        ("secret-project", "view_devicetype", "lava_scheduler_app", "devicetype", "imx8mq")
    ]
    codenames = {c for (c,) in query(url, "SELECT codename FROM auth_permission")}
    for model in ("devicetype", "device", "worker", "testjob"):
        assert {f"{a}_{model}" for a in ("add", "change", "delete", "view")} <= codenames
    assert {"submit_to_device", "submit_to_devicetype"} <= codenames
    assert query(url, "SELECT count(*) FROM linaro_django_xmlrpc_authtoken") == [(0,)]
    aliases = Counter(
        t for (t,) in query(url, "SELECT device_type_id FROM lava_scheduler_app_alias")
    )
    assert len(aliases) == 6 and min(aliases.values()) >= 2
    described = query(
        url,
        "SELECT count(*) FROM lava_scheduler_app_devicetype"
        " WHERE architecture_id IS NOT NULL AND processor_id IS NOT NULL AND bits_id IS NOT NULL",
    )
    assert described == [(6,)]
    assert query(url, "SELECT count(*) FROM lava_scheduler_app_device_tags")[0][0] >= 30


def test_every_state_and_health_occurs(demo_lab: tuple[str, DemoSummary]) -> None:
    url, _ = demo_lab

    def values(sql: str) -> set[int]:
        return {value for (value,) in query(url, sql)}

    assert values("SELECT state FROM lava_scheduler_app_testjob") == set(JobState)
    assert values("SELECT health FROM lava_scheduler_app_testjob") == set(JobHealth)
    assert values("SELECT state FROM lava_scheduler_app_device") == set(DeviceState)
    assert values("SELECT health FROM lava_scheduler_app_device") == set(DeviceHealth)
    assert values("SELECT state FROM lava_scheduler_app_worker") == set(WorkerState)
    assert values("SELECT health FROM lava_scheduler_app_worker") >= {
        WorkerHealth.ACTIVE,
        WorkerHealth.MAINTENANCE,
    }
    assert values("SELECT result FROM lava_results_app_testcase") == set(TestResult)


def test_job_invariants(demo_lab: tuple[str, DemoSummary], jobs: list[dict[str, Any]]) -> None:
    url, _ = demo_lab
    assert [job["id"] for job in jobs] == list(range(1, JOBS + 1))
    submitted = [job["submit_time"] for job in jobs]
    assert submitted == sorted(submitted) and len(set(submitted)) == JOBS
    holding: Counter[str] = Counter()
    for job in jobs:
        state, finished = job["state"], job["state"] == FINISHED
        assert (job["health"] == JobHealth.UNKNOWN) == (not finished), job
        if finished:
            assert job["start_time"] is not None and job["end_time"] >= job["start_time"], job
        else:
            assert job["end_time"] is None, job
            assert (job["start_time"] is not None) == (
                state in (JobState.RUNNING, JobState.CANCELING)
            ), job
            assert (job["actual_device_id"] is None) == (state == JobState.SUBMITTED), job
            if job["actual_device_id"]:
                holding[job["actual_device_id"]] += 1
        if job["health"] in (JobHealth.COMPLETE, JobHealth.INCOMPLETE):
            assert job["actual_device_id"] and job["end_time"] > job["start_time"], job
        if job["health"] == JobHealth.INCOMPLETE:
            assert job["failure_comment"], job
        if job["health_check"]:
            assert job["submitter_id"] == 2 and job["actual_device_id"], job
    assert max(holding.values()) == 1
    device_states = dict(query(url, "SELECT hostname, state FROM lava_scheduler_app_device"))
    for hostname, state in device_states.items():
        assert (state != DeviceState.IDLE) == (hostname in holding), hostname
    health = Counter(job["health"] for job in jobs if job["state"] == FINISHED)
    finished = sum(health.values())
    assert 0.6 < health[JobHealth.COMPLETE] / finished < 0.9
    assert 0.05 < health[JobHealth.INCOMPLETE] / finished < 0.3
    assert 0 < health[JobHealth.CANCELED] / finished < 0.15
    assert 0 < sum(job["health_check"] for job in jobs) < 0.15 * JOBS
    assert 0 < sum(not job["is_public"] for job in jobs) < 0.25 * JOBS


def test_last_health_reports_are_finished_health_checks(
    demo_lab: tuple[str, DemoSummary], jobs: list[dict[str, Any]]
) -> None:
    url, _ = demo_lab
    reports = query(
        url,
        "SELECT hostname, last_health_report_job_id FROM lava_scheduler_app_device"
        " WHERE last_health_report_job_id IS NOT NULL",
    )
    assert reports
    by_id = {job["id"]: job for job in jobs}
    for hostname, job_id in reports:
        job = by_id[job_id]
        assert job["health_check"] and job["state"] == FINISHED
        assert job["actual_device_id"] == hostname
        later = [j for j in jobs if j["id"] > job_id and j["actual_device_id"] == hostname]
        assert not any(j["health_check"] and j["state"] == FINISHED for j in later)


def test_definitions_match_the_jobs(demo_lab: tuple[str, DemoSummary], jobs: list[dict]) -> None:
    url, _ = demo_lab
    groups = defaultdict(set)
    for job_id, name in query(
        url,
        "SELECT v.testjob_id, g.name FROM lava_scheduler_app_testjob_viewing_groups v"
        " JOIN auth_group g ON g.id = v.group_id",
    ):
        groups[job_id].add(name)
    tags = defaultdict(set)
    for job_id, name in query(
        url,
        "SELECT j.testjob_id, t.name FROM lava_scheduler_app_testjob_tags j"
        " JOIN lava_scheduler_app_tag t ON t.id = j.tag_id",
    ):
        tags[job_id].add(name)
    priorities = {"low": 0, "medium": 50, "high": 100}
    for job in jobs:
        definition = yaml.safe_load(job["definition"])
        assert job["original_definition"] == job["definition"]
        assert yaml.safe_dump(definition, default_flow_style=False) == job["definition"]
        assert definition["job_name"] == job["description"]
        assert definition["device_type"] == job["requested_device_type_id"]
        assert priorities.get(definition["priority"], definition["priority"]) == job["priority"]
        assert set(definition) >= {"job_name", "visibility", "timeouts", "actions"}
        visibility = definition["visibility"]
        assert (visibility == "public") == bool(job["is_public"])
        expected_groups = set(visibility["group"]) if isinstance(visibility, dict) else set()
        assert groups.get(job["id"], set()) == expected_groups
        assert set(definition.get("tags", [])) == tags.get(job["id"], set())
        assert definition.get("metadata", {}) == job["metadata"]
        queue = definition["timeouts"].get("queue", {}).get("hours")
        assert job["queue_timeout"] == (None if queue is None else queue * 3600)
        names = [d["name"] for d in definition["actions"][-1]["test"]["definitions"]]
        assert names and all(isinstance(name, str) for name in names)
    assert groups and tags
    assert any(job["metadata"] for job in jobs)


def test_results(jobs: list[dict[str, Any]], cases: list[dict[str, Any]]) -> None:
    by_job = defaultdict(list)
    for case in cases:
        by_job[case["job"]].append(case)
    for case in cases:
        metadata = yaml.safe_load(case["metadata"])
        assert yaml.safe_dump(metadata, default_flow_style=False) == case["metadata"]
        assert metadata["case"] == case["name"] and metadata["definition"] == case["suite"]
        assert metadata["result"] == TestResult(case["result"]).display
        assert metadata.get("set") == case["set"]
        if case["suite"] == "lava":
            assert case["units"] == ("" if case["name"] == "job" else "seconds")
            assert metadata.get("duration") == case["measurement"]
        elif case["measurement"] is not None:
            assert case["units"] and metadata["units"] == case["units"]
            assert metadata["measurement"] == case["measurement"]
            assert 2 <= -Decimal(case["measurement"]).as_tuple().exponent <= 4
    measured = {c["units"] for c in cases if c["suite"] != "lava" and c["measurement"]}
    assert {"MB/s", "ms"} <= measured
    assert any(case["set"] for case in cases)
    health = {job["id"]: job["health"] for job in jobs if job["state"] == FINISHED}
    for job_id, results in by_job.items():
        suites = {case["suite"] for case in results}
        assert "lava" in suites
        job_cases = [case for case in results if case["suite"] == "lava" and case["name"] == "job"]
        if job_id in health:
            expected = TestResult.PASS if health[job_id] == JobHealth.COMPLETE else TestResult.FAIL
            assert [case["result"] for case in job_cases] == [expected]
        else:
            assert job_cases == []
    ran = [job["id"] for job in jobs if job["id"] in by_job and job["state"] == FINISHED]
    average = sum(len(by_job[job_id]) for job_id in ran) / len(ran)
    assert 10 <= average <= 15
    assert any(re.fullmatch(r"\d_[\w-]+", case["suite"]) for case in cases)


def test_logs(demo_lab: tuple[str, DemoSummary], cases: list[dict[str, Any]]) -> None:
    url, summary = demo_lab
    logs = query(url, "SELECT job_id, content FROM gql_server_joblog ORDER BY job_id")
    assert logs and len(logs) == summary.logs
    by_job = defaultdict(list)
    for case in cases:
        by_job[case["job"]].append(yaml.safe_load(case["metadata"]))
    for job_id, content in logs:
        lines = content.splitlines()
        assert content.endswith("\n") and 8 <= len(lines) <= 40
        for line in lines:
            match = LOG_LINE.fullmatch(line)
            assert match, line
            json.loads(match.group(2))
        entries = yaml.safe_load(content)
        assert all(set(entry) == {"dt", "lvl", "msg"} for entry in entries)
        times = [entry["dt"] for entry in entries]
        assert times == sorted(times)
        results = [entry["msg"] for entry in entries if entry["lvl"] == "results"]
        assert results == by_job[job_id]


def test_logs_only_for_the_newest_jobs(empty_database: str) -> None:
    summary = generate(empty_database, 60, logs=30)
    logged = [job_id for (job_id,) in query(empty_database, "SELECT job_id FROM gql_server_joblog")]
    assert summary.logs == len(logged) and 0 < len(logged) <= 30
    assert min(logged) > 30  # the newest 30 jobs get one if they ran (not the queued ones)


def test_same_seed_same_lab_whatever_the_write_path(
    demo_lab: tuple[str, DemoSummary],
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, summary = demo_lab
    with throwaway_database(backend, tmp_path) as again:
        assert generate(again) == summary
        assert digest(again) == digest(url)
    monkeypatch.setattr(generator, "_write_mode", lambda dialect: "core")
    with throwaway_database(backend, tmp_path) as through_core:
        assert generate(through_core) == summary
        assert digest(through_core) == digest(url)
    with throwaway_database(backend, tmp_path) as other:
        generate(other, seed=7)
        assert digest(other) != digest(url)


async def _generate_while_reading(url: str) -> DemoSummary:
    engine = create_engine(url)
    reader = create_engine(url)
    try:
        await migrate(engine)
        async with reader.connect() as reading:
            await reading.execute(text("SELECT count(*) FROM lava_scheduler_app_testjob"))
            return await generate_demo(engine, 50)  # while `reading` keeps its transaction
    finally:
        await reader.dispose()
        await engine.dispose()


def test_generates_while_another_session_reads(empty_database: str) -> None:
    summary = asyncio.run(_generate_while_reading(empty_database))
    assert summary.jobs == 50
    assert query(empty_database, "SELECT count(*) FROM lava_scheduler_app_testjob") == [(50,)]


async def _foreign_keys(url: str, *, migrate_first: bool) -> dict[str, list[tuple[Any, ...]]]:
    def read(connection: Any) -> dict[str, list[tuple[Any, ...]]]:
        inspector = inspect(connection)
        return {
            table: sorted(
                (
                    key["name"],
                    tuple(key["constrained_columns"]),
                    key["referred_table"],
                    *sorted(key["options"].items()),
                )
                for key in inspector.get_foreign_keys(table)
            )
            for table in inspector.get_table_names()
        }

    engine = create_engine(url)
    try:
        if migrate_first:
            await migrate(engine)
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def test_foreign_keys_are_all_kept(demo_lab: tuple[str, DemoSummary], empty_database: str) -> None:
    url, _ = demo_lab
    expected = asyncio.run(_foreign_keys(empty_database, migrate_first=True))
    assert asyncio.run(_foreign_keys(url, migrate_first=False)) == expected
    assert expected["lava_results_app_testcase"]


def test_refuses_a_database_with_jobs(demo_lab: tuple[str, DemoSummary]) -> None:
    url, summary = demo_lab
    with pytest.raises(ValueError, match="already has jobs"):
        generate(url)
    assert query(url, "SELECT count(*) FROM lava_scheduler_app_testjob") == [(summary.jobs,)]


def test_an_empty_lab_has_its_inventory(empty_database: str) -> None:
    summary = generate(empty_database, 0)
    assert (summary.jobs, summary.suites, summary.test_cases, summary.logs) == (0, 0, 0, 0)
    devices = query(empty_database, "SELECT count(*) FROM lava_scheduler_app_device")
    assert devices == [(summary.devices,)]


def test_rejects_negative_sizes(empty_database: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        generate(empty_database, -1)


def test_text_progress_throttles_and_ends_the_line() -> None:
    out = io.StringIO()
    show = text_progress(out)
    show(0, 1000)
    show(500, 1000)  # within a tenth of a second of the previous line: skipped
    show(1000, 1000)
    show(1000, 1000)  # already ended
    assert out.getvalue() == (
        "\rjobs    0/1000 [--------------------] 0%\rjobs 1000/1000 [####################] 100%\n"
    )
