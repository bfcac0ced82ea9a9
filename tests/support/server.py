"""A real gql-server process on a free loopback port, and a small GraphQL client for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

START_DEADLINE_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gql_server_command(database_url: str, *args: str) -> list[str]:
    """The command line running ``gql-server`` with this interpreter."""
    return [sys.executable, "-m", "gql_server.cli", "--database-url", database_url, *args]


class ServerProcess:
    """``gql-server serve`` in a child process, stopped by :meth:`stop`."""

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *extra: str,
        env: dict[str, str] | None = None,
        scheme: str = "http",
    ) -> None:
        self.port = free_port()
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.event_socket = f"tcp://127.0.0.1:{free_port()}"
        environment = {
            **os.environ,
            "GQL_SERVER_EXPOSE_SQL_STATEMENTS": "true",
            "GQL_SERVER_EVENT_SOCKET": self.event_socket,
            "GQL_SERVER_INTERNAL_EVENT_SOCKET": f"tcp://127.0.0.1:{free_port()}",
            **(env or {}),
        }
        command = gql_server_command(
            database_url, "serve", "--port", str(self.port), "--quiet", *extra
        )
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=environment
        )

    def wait_until_ready(self, verify: Any = True) -> None:
        """Block until the server answers, or fail with its log after a deadline."""
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if (
                    httpx.get(self.base_url + "/version", verify=verify, timeout=2).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class GraphQLClient:
    """Posts GraphQL documents to a live server."""

    def __init__(self, base_url: str, verify: Any = True) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30, verify=verify)
        self.last_statements: int | None = None

    def post(
        self, query: str, variables: dict | None = None, token: str | None = None
    ) -> httpx.Response:
        """The raw HTTP response to one GraphQL request."""
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        statements = response.headers.get("x-sql-statements")
        self.last_statements = int(statements) if statements is not None else None
        return response

    def execute(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        """The response body of a request expected to succeed; fails on any GraphQL error."""
        body = self.post(query, variables, token).json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def errors(
        self, query: str, variables: dict | None = None, token: str | None = None
    ) -> list[dict]:
        """The errors of a request expected to fail."""
        body = self.post(query, variables, token).json()
        assert body.get("errors"), body
        return body["errors"]


def xmlrpc_proxy(base_url: str, username: str | None = None, token: str | None = None):
    """An ``xmlrpc.client.ServerProxy`` on ``/RPC2``, with ``user:token@`` credentials when
    given (as legacy scripts and lavacli pass them)."""
    import xmlrpc.client

    scheme, _, host = base_url.partition("://")
    credentials = f"{username}:{token}@" if username and token else ""
    return xmlrpc.client.ServerProxy(f"{scheme}://{credentials}{host}/RPC2", allow_none=True)
