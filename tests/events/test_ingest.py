"""A separate publisher: events wait in the outbox while it is down, and pushed events
are validated, recorded and republished in order."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid

import pytest
import zmq

from gql_server.db.engine import create_engine
from gql_server.db.migrate import migrate
from tests.conftest import make_token
from tests.support.databases import sync_url
from tests.support.live import zmq_subscriber
from tests.support.scenario import add_scenario
from tests.support.server import GraphQLClient, ServerProcess, free_port, gql_server_command

DEADLINE_S = 15.0


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()


@pytest.fixture
def split_lab(empty_database, tmp_path):
    """A server without a publisher, its token, and endpoints for a publisher to bind."""
    asyncio.run(_migrate(empty_database))
    add_scenario(sync_url(empty_database))
    token = make_token(empty_database, "vis-admin")
    server = ServerProcess(empty_database, tmp_path / "server.log", "--no-publisher")
    server.wait_until_ready()
    endpoints = {
        "GQL_SERVER_EVENT_SOCKET": server.event_socket,
        "GQL_SERVER_INTERNAL_EVENT_SOCKET": f"tcp://127.0.0.1:{free_port()}",
    }
    yield empty_database, server, token, endpoints
    server.stop()


def start_publisher(database_url: str, endpoints: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        gql_server_command(database_url, "publisher"),
        env={**os.environ, **endpoints},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def receive(socket: zmq.Socket, count: int) -> list[list[bytes]]:
    messages: list[list[bytes]] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(messages) < count and time.monotonic() < deadline:
        if socket.poll(100):
            messages.append(socket.recv_multipart())
    assert len(messages) == count, messages
    return messages


def test_events_made_while_the_publisher_is_down_are_published_when_it_starts(split_lab, tmp_path):
    database_url, server, token, endpoints = split_lab
    client = GraphQLClient(server.base_url)
    for health in ("MAINTENANCE", "GOOD", "BAD"):
        client.execute(
            'mutation ($x: DeviceHealth!) { setDeviceHealth(hostname: "vis-public-01",'
            " health: $x) { health } }",
            {"x": health},
            token=token,
        )
    subscriber = zmq_subscriber(endpoints["GQL_SERVER_EVENT_SOCKET"])
    with open(tmp_path / "publisher.log", "wb") as log:
        publisher = start_publisher(database_url, endpoints, log)
        try:
            messages = receive(subscriber, 3)
        finally:
            publisher.terminate()
            publisher.wait(timeout=15)
            subscriber.close()
    healths = [json.loads(m[4])["health"] for m in messages]
    assert healths == ["Maintenance", "Good", "Bad"]


def _frames(topic: str, data: dict, username: str = "lavaserver") -> list[bytes]:
    stamp = "2026-11-28T10:00:00.000001+00:00"
    texts = [topic, str(uuid.uuid1()), stamp, username, json.dumps(data)]
    return [text.encode() for text in texts]


def test_pushed_events_are_validated_recorded_and_republished(split_lab, tmp_path):
    database_url, _server, _token, endpoints = split_lab
    subscriber = zmq_subscriber(endpoints["GQL_SERVER_EVENT_SOCKET"])
    pusher = zmq.Context.instance().socket(zmq.PUSH)
    pusher.setsockopt(zmq.LINGER, 1000)
    pusher.connect(endpoints["GQL_SERVER_INTERNAL_EVENT_SOCKET"])
    good = {"message": "boot finished", "job": 1}
    malformed = [
        [b"only", b"three", b"frames"],
        _frames("org.lavasoftware.event", {"message": "no job"}),
        _frames("com.example.event", good),
        [b"org.lavasoftware.event", b"not-a-uuid", b"2026-11-28T10:00:00", b"lavaserver", b"{}"],
        [*_frames("org.lavasoftware.event", good)[:4], b"{not json"],
    ]
    with open(tmp_path / "publisher.log", "wb") as log:
        publisher = start_publisher(database_url, endpoints, log)
        try:
            for frames in [*malformed, _frames("org.lavasoftware.event", good)]:
                pusher.send_multipart(frames)
            (message,) = receive(subscriber, 1)
            assert not subscriber.poll(300)
        finally:
            publisher.terminate()
            publisher.wait(timeout=15)
            subscriber.close()
            pusher.close()
    assert message[0] == b"org.lavasoftware.event"
    assert json.loads(message[4]) == good
    assert "dropped a malformed pushed event" in (tmp_path / "publisher.log").read_text()


def test_serve_records_and_republishes_a_lava_publishers_events(empty_database, tmp_path):
    asyncio.run(_migrate(empty_database))
    lava = zmq.Context.instance().socket(zmq.PUB)
    lava.setsockopt(zmq.LINGER, 0)
    lava_endpoint = f"tcp://127.0.0.1:{free_port()}"
    lava.bind(lava_endpoint)
    server = ServerProcess(empty_database, tmp_path / "server.log", "--events-from", lava_endpoint)
    server.wait_until_ready()
    subscriber = zmq_subscriber(server.event_socket)
    payload = {
        "health": "Good",
        "state": "Idle",
        "device": "lava-qemu-01",
        "device_type": "qemu",
        "worker": None,
    }
    frames = [
        b"org.lavasoftware.device",
        str(uuid.uuid1()).encode(),
        b"2023-01-20T10:00:00.123456",
        b"lavaserver",
        json.dumps(payload).encode(),
    ]
    try:
        deadline = time.monotonic() + DEADLINE_S
        while not subscriber.poll(100):
            assert time.monotonic() < deadline, "the LAVA event never came through"
            lava.send_multipart(frames)  # the same message id: recorded once
        message = subscriber.recv_multipart()
        assert message[1] == frames[1] and json.loads(message[4]) == payload
        assert not subscriber.poll(500)
    finally:
        subscriber.close()
        lava.close()
        server.stop()
