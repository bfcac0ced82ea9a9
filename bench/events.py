"""Event latency: from the start of a state-changing API call to the event's arrival at a
ZMQ SUB client, on a small demo lab served by one gql-server process on loopback.

    .venv/bin/python bench/events.py [--changes 300]

LAVA 2023.01 measured on a 2-core machine: 52.7 ms median (spec figure; our goal: <= 5 ms).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import zmq

HOST = "127.0.0.1"
MUTATION = (
    "mutation ($h: String!, $x: DeviceHealth!) { setDeviceHealth(hostname: $h, health: $x)"
    " { health } }"
)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def gql_server(
    database_url: str, *args: str, **kwargs
) -> subprocess.CompletedProcess | subprocess.Popen:
    """Run ``gql-server`` with this interpreter."""
    command = [sys.executable, "-m", "gql_server.cli", "--database-url", database_url, *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, **kwargs)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def wait_until_answering(url: str, deadline_s: float = 60.0) -> None:
    """Block until the server answers /version."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/version", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def measure(url: str, token: str, event_socket: str, changes: int) -> list[float]:
    """Milliseconds from each mutation's start to its device event's arrival."""
    subscriber = zmq.Context.instance().socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(event_socket)
    client = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"})
    hostname = client.post(
        "/graphql", json={"query": "{ devices(first: 1) { nodes { hostname } } }"}
    ).json()["data"]["devices"]["nodes"][0]["hostname"]
    latencies: list[float] = []
    health = "MAINTENANCE"
    warm = False
    while len(latencies) < changes:
        started = time.perf_counter()
        client.post("/graphql", json={"query": MUTATION, "variables": {"h": hostname, "x": health}})
        health = "GOOD" if health == "MAINTENANCE" else "MAINTENANCE"
        if not subscriber.poll(2000):
            continue  # the subscription was not live yet
        subscriber.recv_multipart()
        arrived = time.perf_counter()
        if warm:
            latencies.append((arrived - started) * 1000)
        warm = True
    subscriber.close()
    return latencies


def main() -> None:
    """Prepare a lab, start a server, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'lab.sqlite3'}"
        gql_server(database_url, "demo", "--jobs", "300")
        token = gql_server(database_url, "tokens", "add", "--user", "bench", "--superuser")
        secret = token.stdout.strip().splitlines()[-1]
        port, event_socket = free_port(), f"tcp://{HOST}:{free_port()}"
        env = {
            **os.environ,
            "GQL_SERVER_EVENT_SOCKET": event_socket,
            "GQL_SERVER_INTERNAL_EVENT_SOCKET": f"tcp://{HOST}:{free_port()}",
        }
        server = gql_server(
            database_url,
            "serve",
            "--port",
            str(port),
            "--quiet",
            background=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://{HOST}:{port}"
            wait_until_answering(url)
            latencies = measure(url, secret, event_socket, args.changes)
        finally:
            server.terminate()
            server.wait(timeout=15)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"API call start -> ZMQ SUB arrival over {len(latencies)} device health changes:")
    print(
        f"  median {statistics.median(latencies):.2f} ms, p99 {quantiles[98]:.2f} ms"
        f" (LAVA 2023.01: 52.7 ms median; goal <= 5 ms)"
    )


if __name__ == "__main__":
    main()
