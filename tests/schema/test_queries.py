"""GraphQL queries over the demo lab: lookups, relations, filters and ordering."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy

JOB_DETAIL = """
query ($id: Int!) {
  job(id: $id) {
    id description state health submitTime startTime endTime duration
    device { hostname deviceType { name } worker { hostname } tags { name } }
    requestedDeviceType { name aliases { name } }
    submitter { username }
    tags { name }
    resultCounts { passed failed skipped unknown total }
    suites { name resultCounts { total } sets { name }
             testCases(first: 100) { totalCount nodes { name result measurement units } } }
    log { lineCount text(start: 0, count: 2) }
  }
}
"""


def scalar(lab, sql: str, **params):
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        value = connection.execute(sqlalchemy.text(sql), params).scalar()
    engine.dispose()
    return value


def rows(lab, sql: str, **params) -> list:
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        found = list(connection.execute(sqlalchemy.text(sql), params))
    engine.dispose()
    return found


def test_job_with_its_relations(lab):
    job_id = scalar(
        lab,
        "SELECT j.id FROM lava_scheduler_app_testjob j JOIN gql_server_joblog l ON l.job_id = j.id"
        " WHERE j.is_public AND j.state = 5 AND j.health = 1 AND NOT EXISTS (SELECT 1 FROM"
        " lava_scheduler_app_testjob_viewing_groups g WHERE g.testjob_id = j.id)"
        " AND EXISTS (SELECT 1 FROM lava_results_app_testsuite s WHERE s.job_id = j.id)"
        " AND j.description NOT LIKE 'xr-%'"  # a demo job, not one another test made
        " AND j.start_time IS NOT NULL AND j.end_time IS NOT NULL"
        " ORDER BY j.id DESC LIMIT 1",
    )
    job = lab.client.execute(JOB_DETAIL, {"id": job_id}, token=lab.tokens["vis-admin"])["job"]
    assert job["id"] == job_id
    assert job["state"] == "FINISHED" and job["health"] == "COMPLETE"
    device = scalar(
        lab, "SELECT actual_device_id FROM lava_scheduler_app_testjob WHERE id = :i", i=job_id
    )
    assert job["device"]["hostname"] == device
    assert job["device"]["deviceType"]["name"] == job["requestedDeviceType"]["name"]
    cases = scalar(
        lab,
        "SELECT count(*) FROM lava_results_app_testcase c JOIN lava_results_app_testsuite s"
        " ON s.id = c.suite_id WHERE s.job_id = :i",
        i=job_id,
    )
    assert job["resultCounts"]["total"] == cases > 0
    assert sum(s["resultCounts"]["total"] for s in job["suites"]) == cases
    assert sum(s["testCases"]["totalCount"] for s in job["suites"]) == cases
    assert job["log"]["lineCount"] > 2
    assert job["log"]["text"].count("\n") == 2 and job["log"]["text"].startswith("- {")
    assert job["duration"] == int(
        (
            dt.datetime.fromisoformat(job["endTime"]) - dt.datetime.fromisoformat(job["startTime"])
        ).total_seconds()
    )


def test_unknown_ids_and_names_give_null(lab):
    data = lab.client.execute(
        '{ job(id: 987654321) { id } device(hostname: "nope") { hostname }'
        ' deviceType(name: "nope") { name } worker(hostname: "nope") { hostname }'
        ' tag(name: "nope") { id } alias(name: "nope") { name }'
        " testSuite(id: 987654321) { id } testCase(id: 987654321) { id } }"
    )
    assert all(value is None for value in data.values())


def test_device_walks_to_type_worker_tags_and_jobs(lab):
    hostname = scalar(
        lab,
        "SELECT actual_device_id FROM lava_scheduler_app_testjob WHERE state = 3"
        " AND is_public ORDER BY id LIMIT 1",
    )
    device = lab.client.execute(
        """query ($h: String!) { device(hostname: $h) {
             hostname state health deviceType { name devices { hostname } }
             worker { hostname devices { hostname } } tags { name }
             currentJob { id state device { hostname } }
             recentJobs(limit: 3) { id device { hostname } }
             jobs(first: 5, filter: {states: [FINISHED]}) { nodes { id state device { hostname } } }
           } }""",
        {"h": hostname},
        token=lab.tokens["vis-admin"],
    )["device"]
    assert device["state"] == "RUNNING"
    assert device["currentJob"]["state"] == "RUNNING"
    assert device["currentJob"]["device"]["hostname"] == hostname
    assert hostname in {d["hostname"] for d in device["deviceType"]["devices"]}
    assert hostname in {d["hostname"] for d in device["worker"]["devices"]}
    assert 0 < len(device["recentJobs"]) <= 3
    ids = [j["id"] for j in device["recentJobs"]]
    assert ids == sorted(ids, reverse=True)
    assert all(j["device"]["hostname"] == hostname for j in device["recentJobs"])
    assert all(j["state"] == "FINISHED" for j in device["jobs"]["nodes"])
    assert all(j["device"]["hostname"] == hostname for j in device["jobs"]["nodes"])


def test_inventory_lists(lab):
    data = lab.client.execute(
        "{ deviceTypes(first: 100) { totalCount"
        "  nodes { name aliases { name deviceType { name } } } }"
        "  workers { nodes { hostname state health } } tags { nodes { name } }"
        "  aliases { nodes { name deviceType { name } } } }"
    )
    types = data["deviceTypes"]["nodes"]
    names = [t["name"] for t in types]
    assert names == sorted(names)
    for device_type in types:
        assert all(a["deviceType"]["name"] == device_type["name"] for a in device_type["aliases"])
    assert data["workers"]["nodes"] and data["tags"]["nodes"] and data["aliases"]["nodes"]
    assert "vis-secret-type" not in names


JOB_FILTERS = [
    ({"states": ["RUNNING"]}, "state = 3"),
    ({"healths": ["INCOMPLETE", "CANCELED"]}, "health IN (2, 3)"),
    ({"healthCheck": True}, "health_check"),
    ({"isPublic": True}, "is_public"),
    ({"descriptionContains": "SMOKE"}, "lower(description) LIKE '%smoke%'"),
]


@pytest.mark.parametrize(("given", "where"), JOB_FILTERS, ids=[w for _, w in JOB_FILTERS])
def test_job_filters_match_sql(lab, given, where):
    token = lab.tokens["vis-admin"]
    query = (
        "query ($f: JobFilterInput) { jobs(filter: $f, first: 100) { totalCount nodes { id } } }"
    )
    data = lab.client.execute(query, {"f": given}, token=token)["jobs"]
    expected = rows(
        lab, f"SELECT id FROM lava_scheduler_app_testjob WHERE {where} ORDER BY id DESC"
    )
    assert data["totalCount"] == len(expected) > 0
    assert [n["id"] for n in data["nodes"]] == [r[0] for r in expected[:100]]


@pytest.mark.parametrize("column", ["submit_time", "start_time", "end_time"])
def test_job_time_ranges(lab, column):
    times = [
        row[0]
        for row in rows(
            lab,
            f"SELECT {column} FROM lava_scheduler_app_testjob WHERE {column} IS NOT NULL"
            f" ORDER BY {column}",
        )
    ]
    low, high = times[len(times) // 4], times[len(times) // 2]
    if isinstance(low, str):
        low, high = (dt.datetime.fromisoformat(t).replace(tzinfo=dt.UTC) for t in (low, high))
    expected = sum(1 for t in times if low <= _aware(t) < high)
    prefix = column.split("_")[0].replace("submit", "submitted").replace("start", "started")
    prefix = prefix.replace("end", "ended")
    given = {f"{prefix}After": low.isoformat(), f"{prefix}Before": high.isoformat()}
    data = lab.client.execute(
        "query ($f: JobFilterInput) { jobs(filter: $f) { totalCount } }",
        {"f": given},
        token=lab.tokens["vis-admin"],
    )
    assert data["jobs"]["totalCount"] == expected > 0


def _aware(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_job_filters_on_relations(lab):
    token = lab.tokens["vis-admin"]
    device_type, device, submitter, tag = rows(
        lab,
        "SELECT j.requested_device_type_id, j.actual_device_id, u.username, t.name"
        " FROM lava_scheduler_app_testjob j JOIN auth_user u ON u.id = j.submitter_id"
        " JOIN lava_scheduler_app_testjob_tags jt ON jt.testjob_id = j.id"
        " JOIN lava_scheduler_app_tag t ON t.id = jt.tag_id"
        " WHERE j.actual_device_id IS NOT NULL ORDER BY j.id LIMIT 1",
    )[0]
    query = """query ($f: JobFilterInput) { jobs(filter: $f, first: 100) { totalCount nodes {
        requestedDeviceType { name } device { hostname } submitter { username }
        tags { name } } } }"""
    combined = {
        "deviceTypes": [device_type],
        "devices": [device],
        "submitters": [submitter],
        "tags": [tag],
    }
    data = lab.client.execute(query, {"f": combined}, token=token)["jobs"]
    assert data["totalCount"] >= 1
    for node in data["nodes"]:
        assert node["requestedDeviceType"]["name"] == device_type
        assert node["device"]["hostname"] == device
        assert node["submitter"]["username"] == submitter
        assert tag in {t["name"] for t in node["tags"]}


def test_device_filters(lab):
    data = lab.client.execute(
        "{ all: devices(first: 100) { nodes { hostname state health deviceType { name }"
        " worker { hostname } tags { name } } } }"
    )["all"]["nodes"]
    sample = next(d for d in data if d["tags"] and d["worker"])
    filtered = lab.client.execute(
        "query ($f: DeviceFilterInput) { devices(filter: $f, first: 100) { nodes { hostname } } }",
        {
            "f": {
                "states": [sample["state"]],
                "healths": [sample["health"]],
                "deviceTypes": [sample["deviceType"]["name"]],
                "workers": [sample["worker"]["hostname"]],
                "tags": [sample["tags"][0]["name"]],
            }
        },
    )["devices"]["nodes"]
    expected = [
        d["hostname"]
        for d in data
        if d["state"] == sample["state"]
        and d["health"] == sample["health"]
        and d["deviceType"]["name"] == sample["deviceType"]["name"]
        and d["worker"]
        and d["worker"]["hostname"] == sample["worker"]["hostname"]
        and sample["tags"][0]["name"] in {t["name"] for t in d["tags"]}
    ]
    assert [d["hostname"] for d in filtered] == expected


def test_test_case_filters(lab):
    job_id = scalar(
        lab,
        "SELECT s.job_id FROM lava_results_app_testcase c JOIN lava_results_app_testsuite s"
        " ON s.id = c.suite_id JOIN lava_scheduler_app_testjob j ON j.id = s.job_id"
        " WHERE c.result = 1 AND s.name <> 'lava' AND j.is_public ORDER BY s.job_id DESC LIMIT 1",
    )
    suite = scalar(
        lab,
        "SELECT s.name FROM lava_results_app_testcase c JOIN lava_results_app_testsuite s"
        " ON s.id = c.suite_id WHERE c.result = 1 AND s.job_id = :j AND s.name <> 'lava' LIMIT 1",
        j=job_id,
    )
    data = lab.client.execute(
        """query ($id: Int!, $s: [String!]) { job(id: $id) {
            failed: testCases(filter: {results: [FAIL], suiteNames: $s}) {
              nodes { name result suite { name } } }
        } }""",
        {"id": job_id, "s": [suite]},
    )["job"]
    failed = data["failed"]["nodes"]
    assert failed and all(c["result"] == "FAIL" and c["suite"]["name"] == suite for c in failed)
    name = failed[0]["name"]
    by_name = lab.client.execute(
        """query ($id: Int!, $n: [String!]) { job(id: $id) {
            testCases(filter: {names: $n}) { nodes { name } } } }""",
        {"id": job_id, "n": [name]},
    )["job"]["testCases"]["nodes"]
    assert by_name and all(c["name"] == name for c in by_name)


def test_measurements_keep_their_scale_and_units(lab):
    case_id, measurement, units = rows(
        lab,
        "SELECT c.id, c.measurement, c.units FROM lava_results_app_testcase c"
        " JOIN lava_results_app_testsuite s ON s.id = c.suite_id"
        " JOIN lava_scheduler_app_testjob j ON j.id = s.job_id"
        " WHERE c.measurement IS NOT NULL AND c.units <> '' AND j.is_public LIMIT 1",
    )[0]
    case = lab.client.execute(
        "query ($id: Int!) { testCase(id: $id) { measurement units } }", {"id": case_id}
    )["testCase"]
    assert case["units"] == units
    assert case["measurement"] == str(measurement)
