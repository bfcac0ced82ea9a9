"""A demo lab served by a real ``gql-server serve --demo``, and a headless Chromium on it.

The browser is Debian's chromium, driven through Debian's chromedriver by selenium. The
tests are skipped only when chromium is missing outside CI; in CI they must run.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.conftest import make_token
from tests.support.databases import create_database, drop_database, sync_url
from tests.support.server import GraphQLClient, ServerProcess, gql_server_command
from tests.web.browser import CHROMEDRIVER, CHROMIUM, headless_chromium


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can (or must: in CI)."""
    if os.environ.get("CI") or (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return None
    return (
        "Debian's chromium and chromium-driver are missing"
        " (apt-get install -y chromium chromium-driver)"
    )


@dataclasses.dataclass
class DemoLab:
    """``serve --demo`` on a fresh database, with a client and users' tokens."""

    database_url: str
    server: ServerProcess
    client: GraphQLClient
    tokens: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def sync_url(self) -> str:
        return sync_url(self.database_url)


def superuser_token(database_url: str, username: str) -> str:
    """A superuser's token, made with the real command line."""
    done = subprocess.run(
        gql_server_command(database_url, "tokens", "add", "--user", username, "--superuser"),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def demo_lab(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoLab]:
    """The README's quick start: a demo lab, simulated, on this backend."""
    if reason := browser_missing():
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp(f"live-page-{backend}")
    url = create_database(backend, folder)
    env = {"GQL_SERVER_DEMO_MAIL_FOLDER": str(folder / "mail")}
    server = ServerProcess(url, folder / "server.log", "--demo", env=env)
    try:
        server.wait_until_ready()
        tokens = {name: make_token(url, name) for name in ("alice", "bob")}
        tokens["root"] = superuser_token(url, "root")
        yield DemoLab(url, server, GraphQLClient(server.base_url), tokens)
    finally:
        server.stop()
        drop_database(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium (no sandbox: CI runs as root)."""
    if reason := browser_missing():
        pytest.skip(reason)
    driver = headless_chromium()
    try:
        yield driver
    finally:
        driver.quit()
