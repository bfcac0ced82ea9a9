"""``gql-server serve``: the README's quick start, GraphiQL, and HTTPS."""

from __future__ import annotations

import ssl
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.server import GraphQLClient, ServerProcess


def test_quickstart_serves_a_demo_lab_and_graphiql(empty_database, tmp_path):
    mail = {"GQL_SERVER_DEMO_MAIL_FOLDER": str(tmp_path / "mail")}
    server = ServerProcess(empty_database, tmp_path / "server.log", "--demo", env=mail)
    try:
        server.wait_until_ready()
        page = httpx.get(server.base_url + "/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        client = GraphQLClient(server.base_url)
        data = client.execute(
            "{ jobs { totalCount } deviceTypes { totalCount } devices { totalCount }"
            " workers { totalCount } }"
        )
        assert data["jobs"]["totalCount"] > 1000
        assert data["deviceTypes"]["totalCount"] >= 3
        assert data["devices"]["totalCount"] >= 10
        assert data["workers"]["totalCount"] >= 2
        newest = "{ jobs(first: 1) { nodes { id state } } }"
        seeded = client.execute(newest)["jobs"]["nodes"][0]["id"]
        deadline = time.monotonic() + 60
        while client.execute(newest)["jobs"]["nodes"][0]["id"] == seeded:
            assert time.monotonic() < deadline, "the simulated lab submitted nothing"
            time.sleep(0.2)
    finally:
        server.stop()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_with_certificate_and_key(empty_database, tmp_path):
    cert, key = _self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    server = ServerProcess(
        empty_database,
        tmp_path / "server.log",
        "--ssl-certfile",
        str(cert),
        "--ssl-keyfile",
        str(key),
        scheme="https",
    )
    try:
        server.wait_until_ready(verify=trust)
        client = GraphQLClient(server.base_url, verify=trust)
        assert client.execute("{ viewer { isAuthenticated } }") == {
            "viewer": {"isAuthenticated": False}
        }
        assert server.base_url.startswith("https://")
        client.http.close()
    finally:
        server.stop()
