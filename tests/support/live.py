"""Clients of the live event doors, and ways to make events happen in the lab.

``graphql_socket`` speaks graphql-transport-ws (or the legacy graphql-ws) to ``/graphql``;
``relay_socket`` listens on ``/ws/``; ``StalledClient`` opens a websocket and then stops
reading, as a stuck client does. Waits poll a condition until a deadline, never sleep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy
import zmq
from sqlalchemy.orm import Session
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from gql_server.db.models import EventRecord, TestJob, User
from gql_server.events.wire import job_event, test_shell_event
from gql_server.lab.enums import JobState
from gql_server.resolvers.events import record_event

DEADLINE_S = 10.0
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
KEEP_ALIVES = {"ping", "pong", "ka"}


def zmq_subscriber(endpoint: str) -> zmq.Socket:
    """A ZMQ SUB socket connected to ``endpoint``, subscribed to every topic."""
    socket = zmq.Context.instance().socket(zmq.SUB)
    socket.setsockopt(zmq.SUBSCRIBE, b"")
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    return socket


def ws_url(base_url: str, path: str) -> str:
    """The websocket URL of ``path`` on a server at ``base_url``."""
    return base_url.replace("http", "ws", 1) + path


class GraphQLSocket:
    """One websocket to ``/graphql``, after ``connection_init`` was acknowledged."""

    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message))

    def receive(self, timeout: float = DEADLINE_S, keep_alives: bool = False) -> dict:
        """The next message (keep-alives skipped unless asked for)."""
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.0, deadline - time.monotonic())))
            if keep_alives or message["type"] not in KEEP_ALIVES:
                return message

    def subscribe(self, query: str, variables: dict | None = None, id: str = "1") -> dict:
        """Start a subscription; returns the data of its first message (SubscriptionStarted)."""
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        self.send({"id": id, "type": kind, "payload": {"query": query, "variables": variables}})
        return self.next(id)

    def next(self, id: str = "1", timeout: float = DEADLINE_S) -> dict:
        """The data of the operation's next result; fails on errors or another message."""
        message = self.receive(timeout)
        assert message.get("id") == id and message["type"] in {"next", "data"}, message
        assert "errors" not in message["payload"], message
        return next(iter(message["payload"]["data"].values()))

    def take(self, count: int, id: str = "1") -> list[dict]:
        """The data of the operation's next ``count`` results."""
        return [self.next(id) for _ in range(count)]

    def stop(self, id: str = "1") -> None:
        self.send({"id": id, "type": "complete" if self.protocol == TRANSPORT_WS else "stop"})


@contextlib.contextmanager
def graphql_socket(
    base_url: str,
    params: dict | None = None,
    protocol: str = TRANSPORT_WS,
    headers: dict | None = None,
) -> Iterator[GraphQLSocket]:
    """A GraphQL websocket whose ``connection_init`` carried ``params``."""
    with connect(
        ws_url(base_url, "/graphql"),
        subprotocols=[Subprotocol(protocol)],
        additional_headers=headers,
        proxy=None,
    ) as ws:
        client = GraphQLSocket(ws, protocol)
        client.send({"type": "connection_init", "payload": params or {}})
        ack = client.receive()
        assert ack["type"] == "connection_ack", ack
        yield client


def token_params(token: str) -> dict:
    """A ``connection_init`` payload authenticating with ``token``."""
    return {"Authorization": f"Token {token}"}


@contextlib.contextmanager
def relay_socket(base_url: str, headers: dict | None = None) -> Iterator[ClientConnection]:
    """A websocket on ``/ws/``."""
    with connect(ws_url(base_url, "/ws/"), additional_headers=headers, proxy=None) as ws:
        yield ws


class StalledClient:
    """A websocket client on a tiny receive buffer that reads only when told to."""

    def __init__(self, url: str, subprotocol: str | None = None) -> None:
        parts = urlsplit(url)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((parts.hostname, parts.port))
        self.sock.settimeout(DEADLINE_S)
        protocols = [Subprotocol(subprotocol)] if subprotocol else None
        self.protocol = ClientProtocol(parse_uri(url), subprotocols=protocols)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.events: list[Any] = []
        while not any(isinstance(event, Response) for event in self.events):
            self._read()
        response = self.events.pop(0)
        assert response.status_code == 101, response

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        self.events.extend(self.protocol.events_received())
        self._flush()

    def send_json(self, message: dict) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def receive_json(self) -> Any:
        """The next text message; raises EOFError once the server closed the socket."""
        while True:
            while self.events:
                event = self.events.pop(0)
                if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                    return json.loads(event.data)
                if isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                    raise EOFError(self.protocol.close_rcvd)
            self._read()

    def close(self) -> None:
        self.sock.close()


def wait_for(condition: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Poll ``condition`` until it is truthy; returns its value, fails after the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def set_device_health(client: Any, token: str, hostname: str, health: str) -> None:
    """Change a device's health over GraphQL (a ``.device`` event when it changes)."""
    client.execute(
        "mutation ($h: String!, $x: DeviceHealth!) { setDeviceHealth(hostname: $h, health: $x)"
        " { health } }",
        {"h": hostname, "x": health},
        token=token,
    )


def flip_device(client: Any, token: str, hostname: str, times: int) -> list[str]:
    """Change a device's health ``times`` times; returns the healths set, in order."""
    current = client.execute(
        "query ($h: String!) { device(hostname: $h) { health } }", {"h": hostname}, token=token
    )["device"]["health"]
    healths = []
    for _ in range(times):
        current = "MAINTENANCE" if current != "MAINTENANCE" else "GOOD"
        set_device_health(client, token, hostname, current)
        healths.append(current)
    return healths


def _engine(database_url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(database_url)


def record_job_event(
    sync_url: str, job_id: int, state: str | None = None, worker: str | None = None
) -> str:
    """Put a ``.testjob`` event of the job in the outbox, as if it were in ``state`` (its
    own by default) on a device of ``worker``; returns its message id."""
    engine = _engine(sync_url)
    with Session(engine) as session:
        job = session.get(TestJob, job_id)
        submitter = session.get(User, job.submitter_id).username
        if state is not None:
            job.state = int(JobState[state])
        event = job_event(
            job,
            submitter=submitter,
            device_type=job.requested_device_type_id,
            worker=worker,
            timestamp=dt.datetime.now(dt.UTC),
        )
        session.expire(job)  # the state above is the event's only
        record_event(session, event, job_id=job_id)  # type: ignore[arg-type]
        session.commit()
    engine.dispose()
    return event.uuid


def record_test_shell_event(sync_url: str, job_id: int, message: str) -> str:
    """Put a test-shell ``.event`` of the job in the outbox; returns its message id."""
    engine = _engine(sync_url)
    with Session(engine) as session:
        event = test_shell_event(job_id, message, timestamp=dt.datetime.now(dt.UTC))
        record_event(session, event, job_id=job_id)  # type: ignore[arg-type]
        session.commit()
    engine.dispose()
    return event.uuid


def published(sync_url: str, topic_suffix: str, key: str, value: Any, after: int) -> list[int]:
    """Sequences of published events of a kind whose payload has ``key == value``."""
    engine = _engine(sync_url)
    with Session(engine) as session:
        rows = session.execute(
            sqlalchemy.select(EventRecord.seq, EventRecord.data)
            .where(EventRecord.seq > after, EventRecord.topic.endswith("." + topic_suffix))
            .order_by(EventRecord.seq)
        ).all()
    engine.dispose()
    return [seq for seq, data in rows if json.loads(data).get(key) == value]


def unpublished(sync_url: str) -> int:
    """How many outbox events wait for the publisher."""
    engine = _engine(sync_url)
    with engine.connect() as connection:
        count = connection.execute(
            sqlalchemy.select(sqlalchemy.func.count()).where(EventRecord.seq.is_(None))
        ).scalar_one()
    engine.dispose()
    return count
