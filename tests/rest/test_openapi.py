"""/api/v0.2/schema/: the OpenAPI description, and schemathesis fuzzing every endpoint
described there on a throwaway lab: no answer may be a server error."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from gql_server.rest.door import ENDPOINTS
from tests.conftest import _migrate_and_seed
from tests.support.databases import create_database, drop_database, sync_url
from tests.support.rest import rest_get
from tests.support.server import ServerProcess, gql_server_command

OPERATIONS = [(endpoint.path, method) for endpoint in ENDPOINTS for method in endpoint.handlers]
FUZZ_JOBS = 40
EXAMPLES_PER_OPERATION = "8"
FUZZ_SEED = "20261128"  # fixed, so that a CI run is repeatable


def test_schema_describes_every_route_and_method(lab):
    response = rest_get(lab, "schema/")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": f"{lab.server.base_url}/api/v0.2"}]
    described = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    assert described == set(OPERATIONS)
    jobs = document["paths"]["/jobs/"]["get"]["parameters"]
    names = {parameter["name"] for parameter in jobs}
    assert {"limit", "offset", "ordering", "state", "id__in", "submitter__username"} <= names


# Path parameters drawn, most of the time, from the lab's own identifiers.
IDENTIFIERS = {
    "job_id": "SELECT id FROM lava_scheduler_app_testjob",
    "suite_id": "SELECT id FROM lava_results_app_testsuite",
    "case_id": "SELECT id FROM lava_results_app_testcase ORDER BY id LIMIT 200",
    "hostname": "SELECT hostname FROM lava_scheduler_app_device"
    " UNION SELECT hostname FROM lava_scheduler_app_worker",
    "name": "SELECT name FROM lava_scheduler_app_devicetype"
    " UNION SELECT name FROM lava_scheduler_app_alias",
    "tag_id": "SELECT id FROM lava_scheduler_app_tag",
    "group_id": "SELECT id FROM auth_group",
    "user_id": "SELECT id FROM auth_user",
    "grant_id": "SELECT id FROM lava_scheduler_app_groupdevicepermission"
    " UNION SELECT id FROM lava_scheduler_app_groupdevicetypepermission",
}


def fuzzing_config(database_url: str) -> str:
    """schemathesis.toml: a dictionary of real identifiers for each path parameter."""
    engine = sqlalchemy.create_engine(sync_url(database_url))
    lines = []
    with engine.connect() as connection:
        for parameter, query in IDENTIFIERS.items():
            values = [str(row[0]) for row in connection.execute(sqlalchemy.text(query))]
            lines += [f"[dictionaries.{parameter}]", f"values = {json.dumps(values or ['0'])}"]
    engine.dispose()
    lines.append("[parameters]")
    lines += [
        f'"path.{parameter}" = {{ dictionary = "{parameter}", probability = 0.8 }}'
        for parameter in IDENTIFIERS
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def throwaway_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A small demo lab of its own (fuzzing writes as a superuser), a superuser token, and
    the fuzzing configuration."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = create_database("sqlite", folder)
    asyncio.run(_migrate_and_seed(url, FUZZ_JOBS))
    command = gql_server_command(url, "tokens", "add", "--user", "fuzzer", "--superuser")
    token = subprocess.run(command, capture_output=True, text=True, check=True)
    secret = token.stdout.splitlines()[-1]
    server = ServerProcess(url, folder / "server.log")
    try:
        server.wait_until_ready()
        yield server.base_url, secret, fuzzing_config(url)
    finally:
        server.stop()
        drop_database(url)


@pytest.mark.parametrize("as_superuser", [False, True], ids=["anonymous", "superuser"])
def test_fuzzing_every_endpoint_finds_no_server_error(throwaway_lab, tmp_path, as_superuser):
    base_url, token, config = throwaway_lab
    (tmp_path / "schemathesis.toml").write_text(config)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base_url}/api/v0.2/schema/",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        EXAMPLES_PER_OPERATION,
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--seed",
        FUZZ_SEED,
        "--no-color",
    ]
    if as_superuser:
        command += ["--header", f"Authorization: Token {token}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    failures = done.stdout[done.stdout.find("FAILURES") :]
    assert done.returncode == 0, failures[:8000] + done.stderr[-2000:]
    fuzzed = len(OPERATIONS) - 1  # all but the schema route itself
    selected = re.search(r"Selected: (\d+)/(\d+)", done.stdout)
    assert selected and selected[1] == selected[2] == str(fuzzed)
    assert f"Tested: {fuzzed}" in done.stdout
