"""Event latency: from the start of a state-changing API call to the event's arrival at
(a) a ZMQ SUB client, (b) a GraphQL subscription (graphql-transport-ws), (c) a /ws/ client,
on a small demo lab served by one gql-server process on loopback.

    .venv/bin/python bench/events.py [--changes 300]

LAVA 2023.01 measured on a 2-core machine: 52.7 ms median to a ZMQ subscriber (spec
figure; our goal: <= 5 ms on every stream).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import zmq
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import HOST, free_port

API_CALL = "(the API call itself)"
MUTATION = (
    "mutation ($h: String!, $x: DeviceHealth!) { setDeviceHealth(hostname: $h, health: $x)"
    " { health } }"
)


def gql_server(
    database_url: str, *args: str, **kwargs
) -> subprocess.CompletedProcess | subprocess.Popen:
    """Run ``gql-server`` with this interpreter."""
    command = [sys.executable, "-m", "gql_server.cli", "--database-url", database_url, *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, **kwargs)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def serve_in_background(database_url: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """``gql-server serve`` on ``port``, quiet, with ``env`` added to this environment."""
    return gql_server(
        database_url,
        "serve",
        "--port",
        str(port),
        "--quiet",
        background=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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


class Stamper(threading.Thread):
    """Receives one stream's events in its own thread and stamps their arrival."""

    def __init__(self, name: str, receive) -> None:
        super().__init__(daemon=True)
        self.label = name
        self.receive = receive
        self.arrivals: queue.Queue[float] = queue.Queue()

    def run(self) -> None:
        while True:
            try:
                self.receive()
            except Exception:  # the stream closed: the run is over
                return
            self.arrivals.put(time.perf_counter())


def zmq_stream(event_socket: str):
    subscriber = zmq.Context.instance().socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"org.lavasoftware.device")
    subscriber.connect(event_socket)
    return subscriber.recv_multipart


def graphql_stream(stack: contextlib.ExitStack, url: str, token: str):
    ws = stack.enter_context(
        connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=["graphql-transport-ws"])
    )
    ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}}))
    assert json.loads(ws.recv())["type"] == "connection_ack"
    query = "subscription { deviceEvents { cursor } }"
    ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    assert json.loads(ws.recv())["type"] == "next"  # SubscriptionStarted: live from here

    def receive() -> None:
        while json.loads(ws.recv())["type"] != "next":
            pass

    return receive


def relay_stream(stack: contextlib.ExitStack, url: str):
    ws = stack.enter_context(connect(url.replace("http", "ws", 1) + "/ws/"))
    return ws.recv


def measure(url: str, token: str, event_socket: str, changes: int) -> dict[str, list[float]]:
    """Milliseconds from each mutation's start to its device event's arrival, per stream."""
    with contextlib.ExitStack() as stack:
        streams = [
            Stamper("ZMQ SUB", zmq_stream(event_socket)),
            Stamper("GraphQL subscription", graphql_stream(stack, url, token)),
            Stamper("/ws/ relay", relay_stream(stack, url)),
        ]
        return _measure(url, token, streams, changes)


def _measure(url: str, token: str, streams: list[Stamper], changes: int) -> dict[str, list[float]]:
    for stream in streams:
        stream.start()
    client = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"})
    hostname = client.post(
        "/graphql", json={"query": "{ devices(first: 1) { nodes { hostname } } }"}
    ).json()["data"]["devices"]["nodes"][0]["hostname"]
    latencies: dict[str, list[float]] = {stream.label: [] for stream in streams}
    latencies[API_CALL] = []
    health = "MAINTENANCE"
    for change in range(changes + 5):
        started = time.perf_counter()
        client.post("/graphql", json={"query": MUTATION, "variables": {"h": hostname, "x": health}})
        if change >= 5:
            latencies[API_CALL].append((time.perf_counter() - started) * 1000)
        health = "GOOD" if health == "MAINTENANCE" else "MAINTENANCE"
        for stream in streams:
            try:
                arrived = stream.arrivals.get(timeout=5)
            except queue.Empty:
                continue  # the ZMQ subscription was not live yet
            if change >= 5:
                latencies[stream.label].append((arrived - started) * 1000)
    return latencies


def main() -> None:
    """Prepare a lab, start a server, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument(
        "--database-url",
        help="an empty database to use instead of a new SQLite file"
        " (e.g. postgresql+asyncpg://postgres@127.0.0.1/bench, created beforehand)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'lab.sqlite3'}"
        gql_server(database_url, "demo", "--jobs", "300")
        token = gql_server(database_url, "tokens", "add", "--user", "bench", "--superuser")
        secret = token.stdout.strip().splitlines()[-1]
        port, event_socket = free_port(), f"tcp://{HOST}:{free_port()}"
        env = {
            "GQL_SERVER_EVENT_SOCKET": event_socket,
            "GQL_SERVER_INTERNAL_EVENT_SOCKET": f"tcp://{HOST}:{free_port()}",
        }
        server = serve_in_background(database_url, port, env)
        try:
            url = f"http://{HOST}:{port}"
            wait_until_answering(url)
            latencies = measure(url, secret, event_socket, args.changes)
        finally:
            server.terminate()
            server.wait(timeout=15)
    print("API call start -> event arrival, device health changes (LAVA 2023.01: 52.7 ms")
    print("median to a ZMQ subscriber; goal <= 5 ms):")
    for label, values in latencies.items():
        p99 = statistics.quantiles(values, n=100)[98]
        print(
            f"  {label:<22} n={len(values):<4} median {statistics.median(values):6.2f} ms"
            f"   p99 {p99:6.2f} ms"
        )


if __name__ == "__main__":
    main()
