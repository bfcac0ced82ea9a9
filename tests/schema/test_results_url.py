"""Job.resultsUrl: the REST file of a job's results, reachable from GraphQL."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.models import TestCase, TestJob, TestSuite, User
from gql_server.lab.enums import JobHealth, JobState
from tests.support.rest import rest_get
from tests.support.server import xmlrpc_proxy

LOGGED = dt.datetime(2022, 7, 1, 0, 45, 13, 355000, tzinfo=dt.UTC)
QUERY = """
query ($id: Int!, $prefix: String) {
  job(id: $id) {
    csv: resultsUrl(format: CSV)
    yaml: resultsUrl(format: YAML)
    junit: resultsUrl(format: JUNIT, classnamePrefix: $prefix)
    tap13: resultsUrl(format: TAP13)
  }
}
"""


@pytest.fixture(scope="module")
def personal_job(lab) -> int:
    """A personal job of vis-owner with two suites, its cases recorded suite by suite."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        owner = session.scalars(sqlalchemy.select(User).where(User.username == "vis-owner")).one()
        job = TestJob(
            description="graphql-results-url",
            is_public=False,
            submitter_id=owner.id,
            requested_device_type_id="vis-public-type",
            actual_device_id="vis-public-01",
            state=int(JobState.FINISHED),
            health=int(JobHealth.COMPLETE),
            end_time=LOGGED,
        )
        session.add(job)
        session.flush()
        for suite_name in ("lava", "1_graphql-url"):
            suite = TestSuite(job_id=job.id, name=suite_name)
            session.add(suite)
            session.flush()
            for n in range(3):
                session.add(
                    TestCase(
                        suite_id=suite.id, name=f"{suite_name}-{n}", result=n,
                        metadata_=f"case: {suite_name}-{n}\nresult: pass\n", logged=LOGGED,
                    )
                )  # fmt: skip
                session.flush()
        session.commit()
        job_id = job.id
    engine.dispose()
    return job_id


def urls(lab, job_id: int, viewer: str, prefix: str | None = None) -> dict[str, str]:
    data = lab.client.execute(QUERY, {"id": job_id, "prefix": prefix}, token=lab.tokens[viewer])
    return data["job"]


def fetch(lab, url: str, viewer: str) -> httpx.Response:
    """GET a path the server gave, with the same credentials as the GraphQL request."""
    headers = {"Authorization": f"Bearer {lab.tokens[viewer]}"}
    return httpx.get(lab.server.base_url + url, headers=headers, timeout=60)


def test_urls_name_the_rest_files(lab, personal_job):
    base = f"/api/v0.2/jobs/{personal_job}/"
    assert urls(lab, personal_job, "vis-owner") == {
        "csv": base + "csv/",
        "yaml": base + "yaml/",
        "junit": base + "junit/",
        "tap13": base + "tap13/",
    }
    assert urls(lab, personal_job, "vis-owner", "ci run")["junit"] == (
        base + "junit/?classname_prefix=ci+run"
    )


@pytest.mark.parametrize("kind", ["csv", "yaml"])
def test_the_download_is_what_xmlrpc_and_rest_give(lab, personal_job, kind):
    downloaded = fetch(lab, urls(lab, personal_job, "vis-owner")[kind], "vis-owner")
    assert downloaded.status_code == 200
    proxy = xmlrpc_proxy(lab.server.base_url, "vis-owner", lab.tokens["vis-owner"])
    by_xmlrpc = getattr(proxy.results, f"get_testjob_results_{kind}")(personal_job)
    assert downloaded.text.replace("\r\n", "\n") == by_xmlrpc  # XML turns CR LF into LF
    by_rest = rest_get(lab, f"jobs/{personal_job}/{kind}/", "vis-owner")
    assert downloaded.content == by_rest.content
    assert b"lava-0" in downloaded.content and b"1_graphql-url-2" in downloaded.content


def test_junit_download_has_the_prefix(lab, personal_job):
    url = urls(lab, personal_job, "vis-owner", "ci")["junit"]
    text = fetch(lab, url, "vis-owner").text
    assert 'classname="ci_lava"' in text and 'classname="ci_1_graphql-url"' in text


def test_no_url_for_a_job_one_may_not_see(lab, personal_job):
    data = lab.client.execute(
        QUERY, {"id": personal_job, "prefix": None}, token=lab.tokens["vis-outsider"]
    )
    assert data["job"] is None
