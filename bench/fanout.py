"""Fan-out: events/s sustained to many GraphQL subscribers, against a naive strawberry
relay and raw pyzmq PUB/SUB, all in one run.

    .venv/bin/python bench/fanout.py [--subscribers 1000] [--rates 2,5,10,20,50,100] [--seconds 5]

One gql-server process serves a small SQLite demo lab. ``--subscribers`` websocket
clients (graphql-transport-ws, all in this process, each reading raw frames) subscribe to
one device's events with the same selection. Device events are pushed to the server's
internal PULL socket at each rate in turn, until a rate is not sustained (every subscriber
gets every event, in order, the last within a second of the last push). Then the same
clients subscribe to the naive strawberry relay (bench/naive_subscriptions.py, fed by the
gql-server's PUB socket) and the rates run again. Each server's resident memory is read
before the subscribers connect and with all of them subscribed and idle. Last, raw pyzmq
sends the same five-frame messages from one PUB socket to as many SUB sockets (the
ceiling).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import zmq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.events import (
    HOST,
    free_port,
    gql_server,
    serve_in_background,
    wait_until_answering,
)
from gql_server.events.wire import SERVER_USERNAME, Event, encode

SELECTION = (
    "subscription ($h: String!) { deviceEvents(hostname: $h) {"
    " cursor ... on DeviceEvent { hostname health state } } }"
)
CURSOR = re.compile(rb'"cursor":\s*"([0-9]+)"')
DRAIN_GRACE_S = 1.0
SETTLE_S = 1.0  # for the naive relay's SUB sockets to join the publisher


def device_event(hostname: str, number: int) -> list[bytes]:
    """The five frames of a device event a dispatcher might push."""
    data = {
        "device": hostname,
        "device_type": "qemu",
        "worker": None,
        "state": "Idle",
        "health": "Good" if number % 2 else "Maintenance",
    }
    event = Event(
        topic="org.lavasoftware.device",
        uuid=str(uuid.uuid1()),
        timestamp=dt.datetime.now(dt.UTC),
        username=SERVER_USERNAME,
        data=data,
    )
    return encode(event)


class Subscriber(asyncio.Protocol):
    """A graphql-transport-ws client reading raw frames: it keeps every event's cursor."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        self.buffer = bytearray()
        self.upgraded = False
        self.cursors: list[int] = []
        self.started = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16))
        transport.write(
            b"GET /graphql HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        )

    def send(self, message: dict) -> None:
        """Send one masked text frame (mask of zeros: the payload goes as is)."""
        payload = json.dumps(message).encode()
        if len(payload) < 126:
            header = struct.pack("!BB", 0x81, 0x80 | len(payload))
        else:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, len(payload))
        assert self.transport is not None
        self.transport.write(header + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del self.buffer[: end + 4]
            self.upgraded = True
            self.send({"type": "connection_init", "payload": {}})
        self._frames()

    def _frames(self) -> None:
        while len(self.buffer) >= 2:
            size = self.buffer[1] & 0x7F
            start = 2
            if size == 126:
                if len(self.buffer) < 4:
                    return
                size, start = struct.unpack_from("!H", self.buffer, 2)[0], 4
            elif size == 127:
                if len(self.buffer) < 10:
                    return
                size, start = struct.unpack_from("!Q", self.buffer, 2)[0], 10
            if len(self.buffer) < start + size:
                return
            self._message(bytes(self.buffer[start : start + size]))
            del self.buffer[: start + size]

    def _message(self, payload: bytes) -> None:
        if payload.startswith(b'{"type":"connection_ack"') or b'"connection_ack"' in payload:
            self.send(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SELECTION, "variables": {"h": self.hostname}},
                }
            )
            return
        found = CURSOR.search(payload)
        if found is None:
            return  # a ping
        if not self.started.done():
            self.started.set_result(None)
            return
        self.cursors.append(int(found.group(1)))


def first_device(port: int) -> str:
    """The hostname of a device of the demo lab."""
    query = "{ devices(first: 1) { nodes { hostname } } }"
    answer = httpx.post(f"http://{HOST}:{port}/graphql", json={"query": query}).json()
    return answer["data"]["devices"]["nodes"][0]["hostname"]


def server_rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def server_cpu_s(pid: int) -> float:
    """CPU time (user and system, every thread) a process has used, seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push_paced(endpoint: str, hostname: str, first: int, count: int, rate: float) -> float:
    """Push ``count`` device events at ``rate`` per second; returns when the last went."""
    push = zmq.Context.instance().socket(zmq.PUSH)
    push.connect(endpoint)
    started = time.perf_counter()
    for number in range(first, first + count):
        due = started + (number - first) / rate
        while (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        push.send_multipart(device_event(hostname, number))
    finished = time.perf_counter()
    push.close(linger=5000)
    return finished


@dataclasses.dataclass
class RateResult:
    rate: float
    sent: int
    delivered: int
    expected: int
    in_order: bool
    lag_s: float
    cpu_s: float = 0.0

    @property
    def delivered_per_s(self) -> float:
        """Deliveries per second, from the first push to the last delivery."""
        return self.delivered / (self.sent / self.rate + self.lag_s)

    @property
    def cpu_us_per_delivery(self) -> float:
        """The server's CPU time per delivery, microseconds."""
        return 1e6 * self.cpu_s / max(self.delivered, 1)

    @property
    def sustained(self) -> bool:
        return self.delivered == self.expected and self.in_order and self.lag_s <= DRAIN_GRACE_S


async def run_rate(
    subscribers: list[Subscriber],
    endpoint: str,
    hostname: str,
    first: int,
    rate: float,
    seconds: float,
) -> RateResult:
    """Push events at ``rate`` and wait (with a deadline) until every subscriber has them."""
    count = int(rate * seconds)
    before = [len(subscriber.cursors) for subscriber in subscribers]
    loop = asyncio.get_running_loop()
    last_push = await loop.run_in_executor(None, push_paced, endpoint, hostname, first, count, rate)
    expected = count * len(subscribers)
    deadline = time.perf_counter() + seconds + 30
    delivered = 0
    while time.perf_counter() < deadline:
        delivered = sum(len(s.cursors) - b for s, b in zip(subscribers, before, strict=True))
        if delivered >= expected:
            break
        await asyncio.sleep(0.01)
    lag = time.perf_counter() - last_push
    in_order = all(
        subscriber.cursors[b:] == sorted(set(subscriber.cursors[b:]))
        for subscriber, b in zip(subscribers, before, strict=True)
    )
    return RateResult(rate, count, delivered, expected, in_order, lag)


async def connect_all(port: int, hostname: str, count: int) -> list[Subscriber]:
    """Connect and subscribe ``count`` clients; returns once every subscription is live."""
    loop = asyncio.get_running_loop()
    subscribers = []
    for _ in range(count):
        _, subscriber = await loop.create_connection(lambda: Subscriber(hostname), HOST, port)
        subscribers.append(subscriber)
    await asyncio.wait_for(asyncio.gather(*(s.started for s in subscribers)), 120)
    return subscribers


def zmq_ceiling(subscribers: int, messages: int) -> float:
    """Events/s from one PUB socket to ``subscribers`` SUB sockets, all received."""
    context = zmq.Context()
    endpoint = f"tcp://{HOST}:{free_port()}"
    publisher = context.socket(zmq.PUB)
    publisher.setsockopt(zmq.SNDHWM, 0)
    publisher.bind(endpoint)
    sockets = []
    poller = zmq.Poller()
    for _ in range(subscribers):
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.RCVHWM, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(endpoint)
        poller.register(sub, zmq.POLLIN)
        sockets.append(sub)
    probe = [b"probe"]
    joined: set[zmq.Socket] = set()
    while len(joined) < subscribers:  # slow joiners: wait until each gets a probe
        publisher.send_multipart(probe)
        for sub, _ in poller.poll(100):
            while sub.poll(0):
                sub.recv_multipart()
            joined.add(sub)
    for sub in sockets:
        while sub.poll(0):
            sub.recv_multipart()
    frames = device_event("zmq-ceiling", 1)
    received = 0
    expected = subscribers * messages

    def receive() -> None:
        nonlocal received
        while received < expected:
            for sub, _ in poller.poll(1000):
                while True:
                    try:
                        sub.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    received += 1

    receiver = threading.Thread(target=receive)
    started = time.perf_counter()
    receiver.start()
    for _ in range(messages):
        publisher.send_multipart(frames)
    receiver.join()
    elapsed = time.perf_counter() - started
    context.destroy(linger=0)
    return messages / elapsed


@dataclasses.dataclass
class Target:
    """A server under test: its label, port and process."""

    label: str
    port: int
    process: subprocess.Popen


async def measure(
    args: argparse.Namespace, target: Target, hostname: str, endpoint: str, first: int
) -> tuple[list[str], int]:
    """Subscribe, read the memory, push at each rate; the report's lines and the next
    event number."""
    idle_rss = server_rss_kib(target.process.pid)
    subscribers = await connect_all(target.port, hostname, args.subscribers)
    await asyncio.sleep(SETTLE_S)
    subscribed_rss = server_rss_kib(target.process.pid)
    lines = [
        f"{target.label}: RSS {idle_rss / 1024:.1f} MiB with no subscriber,"
        f" {subscribed_rss / 1024:.1f} MiB with {args.subscribers} idle subscriptions"
        f" ({(subscribed_rss - idle_rss) / args.subscribers:.1f} KiB each)",
        f"  {'rate/s':>8} {'sent':>6} {'delivered':>10} {'of':>10} {'lag s':>7} {'deliv/s':>8}"
        f" {'CPU us/deliv':>12}  sustained",
    ]
    for rate in args.rates:
        cpu_before = server_cpu_s(target.process.pid)
        result = await run_rate(subscribers, endpoint, hostname, first, rate, args.seconds)
        result.cpu_s = server_cpu_s(target.process.pid) - cpu_before
        first += result.sent
        sustained = "yes" if result.sustained else "NO"
        lines.append(
            f"  {rate:>8.0f} {result.sent:>6} {result.delivered:>10} {result.expected:>10}"
            f" {result.lag_s:>7.2f} {result.delivered_per_s:>8.0f}"
            f" {result.cpu_us_per_delivery:>12.1f}  {sustained}"
        )
        if not result.sustained:
            break
    for subscriber in subscribers:
        assert subscriber.transport is not None
        subscriber.transport.close()
    return lines, first


def start_naive(event_socket: str) -> Target:
    """The naive strawberry relay, reading the gql-server's PUB socket."""
    port = free_port()
    script = Path(__file__).with_name("naive_subscriptions.py")
    command = [sys.executable, str(script), "--events", event_socket, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_open(port)
    return Target("naive strawberry", port, process)


def wait_until_open(port: int, deadline_s: float = 60.0) -> None:
    """Block until something listens on ``port``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rates", default="2,5,10,20,50,100")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    args.rates = [float(rate) for rate in args.rates.split(",")]
    reports: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'lab.sqlite3'}"
        gql_server(database_url, "demo", "--jobs", "50")
        port, event_socket = free_port(), f"tcp://{HOST}:{free_port()}"
        internal = f"tcp://{HOST}:{free_port()}"
        env = {
            "GQL_SERVER_EVENT_SOCKET": event_socket,
            "GQL_SERVER_INTERNAL_EVENT_SOCKET": internal,
            "GQL_SERVER_SUBSCRIBER_QUEUE_SIZE": "10000",
        }
        ours = Target("gql-server", port, serve_in_background(database_url, port, env))
        naive = None
        try:
            wait_until_answering(f"http://{HOST}:{port}")
            naive = start_naive(event_socket)
            hostname = first_device(port)
            first = 1
            for target in (ours, naive):
                lines, first = asyncio.run(measure(args, target, hostname, internal, first))
                reports += lines
        finally:
            stop(ours.process)
            if naive is not None:
                stop(naive.process)
    ceiling = zmq_ceiling(args.subscribers, 2000)
    print(
        f"{args.subscribers} GraphQL subscribers of one device's events, one server process each;"
    )
    print(f"events pushed at each rate for {args.seconds:g} s (sustained: all delivered, in order,")
    print(f"the last within {DRAIN_GRACE_S:g} s of the last push):")
    print("\n".join("  " + line for line in reports))
    print(f"ceiling: raw pyzmq, one PUB to {args.subscribers} SUB sockets: {ceiling:,.0f} events/s")


if __name__ == "__main__":
    main()
