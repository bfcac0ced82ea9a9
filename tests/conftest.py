"""Shared fixtures: a demo lab on each database backend, served by a real server process."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gql_server.db.engine import create_engine
from gql_server.db.migrate import migrate
from gql_server.demo.generator import generate_demo
from tests.support.databases import BACKENDS, create_database, drop_database, sync_url
from tests.support.scenario import USERS, Scenario, add_scenario
from tests.support.server import GraphQLClient, ServerProcess, gql_server_command

LAB_JOBS = 400


@dataclasses.dataclass
class Lab:
    """A seeded database, a server on it, a client, and a token per scenario user."""

    backend: str
    database_url: str
    server: ServerProcess
    client: GraphQLClient
    tokens: dict[str, str]
    scenario: Scenario

    @property
    def sync_url(self) -> str:
        return sync_url(self.database_url)


async def _migrate_and_seed(database_url: str, jobs: int) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        if jobs:
            await generate_demo(engine, jobs)
    finally:
        await engine.dispose()


def make_token(database_url: str, username: str, description: str = "") -> str:
    """A token for ``username`` made through the real command line; returns the secret."""
    done = subprocess.run(
        gql_server_command(
            database_url, "tokens", "add", "--user", username, "--description", description
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database backend in turn: every test that uses a database runs on both."""
    return request.param


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new, unmigrated database of the current backend; dropped afterwards."""
    url = create_database(backend, tmp_path)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def lab(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The demo lab plus the visibility scenario, served by a live server."""
    folder = tmp_path_factory.mktemp(f"lab-{backend}")
    url = create_database(backend, folder)
    asyncio.run(_migrate_and_seed(url, LAB_JOBS))
    scenario = add_scenario(sync_url(url))
    tokens = {name: make_token(url, name) for name in USERS}
    server = ServerProcess(url, folder / "server.log")
    try:
        server.wait_until_ready()
        yield Lab(backend, url, server, GraphQLClient(server.base_url), tokens, scenario)
    finally:
        server.stop()
        drop_database(url)
