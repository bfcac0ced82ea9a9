"""A publisher stopped or killed mid-stream loses no committed event: a ZMQ subscriber and
a GraphQL subscriber count every event written while it was down or restarting."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy
import zmq
from sqlalchemy.orm import Session

from gql_server.db.models import Device, DeviceType
from gql_server.events.wire import device_event
from gql_server.lab.enums import DeviceHealth, DeviceState
from gql_server.resolvers.events import record_event
from tests.support.databases import sync_url
from tests.support.live import graphql_socket, zmq_subscriber
from tests.support.server import ServerProcess, free_port, gql_server_command

EVENTS = 300
DEADLINE_S = 60.0
ALL_EVENTS = "subscription { events { cursor ... on LabEvent { messageId } } }"


class PublisherProcess:
    """``gql-server publisher`` in a child process."""

    def __init__(self, database_url: str, event_socket: str, log_path: Path) -> None:
        environment = {
            **os.environ,
            "GQL_SERVER_EVENT_SOCKET": event_socket,
            "GQL_SERVER_INTERNAL_EVENT_SOCKET": f"tcp://127.0.0.1:{free_port()}",
        }
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            gql_server_command(database_url, "publisher"),
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=environment,
        )
        assert self.process.stdout is not None
        assert b"publishing on" in self.process.stdout.readline()  # migrated, started

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        self.process.send_signal(how)
        assert self.process.wait(timeout=30) is not None
        self._log.close()


def _device(database_url: str) -> str:
    engine = sqlalchemy.create_engine(sync_url(database_url))
    with Session(engine) as session:
        session.add(DeviceType(name="restart-type"))
        session.flush()
        session.add(
            Device(
                hostname="restart-01",
                device_type_id="restart-type",
                state=int(DeviceState.IDLE),
                health=int(DeviceHealth.GOOD),
            )
        )
        session.commit()
    engine.dispose()
    return "restart-01"


class Writer(threading.Thread):
    """Commits device events to the outbox, one per transaction, noting their ids."""

    def __init__(self, database_url: str, hostname: str, count: int) -> None:
        super().__init__(daemon=True)
        self.engine = sqlalchemy.create_engine(sync_url(database_url))
        self.hostname = hostname
        self.count = count
        self.committed: list[str] = []

    def run(self) -> None:
        with Session(self.engine) as session:
            device = session.get(Device, self.hostname)
            for number in range(self.count):
                device.health = int(DeviceHealth.GOOD if number % 2 else DeviceHealth.BAD)
                event = device_event(device, current_job_id=None, timestamp=dt.datetime.now(dt.UTC))
                record_event(session, event)
                session.commit()
                self.committed.append(event.uuid)
                time.sleep(0.002)  # pacing, so that the stop lands mid-stream
        self.engine.dispose()


def _until_subscribed(database_url: str, hostname: str, subscriber: zmq.Socket) -> list[str]:
    """Commit probe events until one reaches the ZMQ subscriber (a PUB socket drops what
    it sends before a subscriber joins); returns the probes' ids, the subscriber drained."""
    probes: list[str] = []
    deadline = time.monotonic() + DEADLINE_S
    while not subscriber.poll(100):
        assert time.monotonic() < deadline, "no probe reached the ZMQ subscriber"
        probe = Writer(database_url, hostname, 1)
        probe.run()
        probes += probe.committed
    while subscriber.poll(500):
        subscriber.recv_multipart()
    return probes


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_events_committed_around_a_publisher_restart_all_arrive(empty_database, tmp_path, how):
    event_socket = f"tcp://127.0.0.1:{free_port()}"
    log = tmp_path / "publisher.log"
    publisher = PublisherProcess(empty_database, event_socket, log)
    server = ServerProcess(
        empty_database,
        tmp_path / "server.log",
        "--no-publisher",
        env={"GQL_SERVER_EVENT_SOCKET": event_socket, "GQL_SERVER_HUB_POLL_SECONDS": "0.2"},
    )
    subscriber = zmq_subscriber(event_socket)
    try:
        server.wait_until_ready()
        hostname = _device(empty_database)
        with graphql_socket(server.base_url) as socket:
            socket.subscribe(ALL_EVENTS)
            probes = _until_subscribed(empty_database, hostname, subscriber)
            assert [socket.next()["messageId"] for _ in probes] == probes

            writer = Writer(empty_database, hostname, EVENTS)
            zmq_ids: list[str] = []

            def distinct_on_zmq() -> int:
                while subscriber.poll(0):
                    zmq_ids.append(subscriber.recv_multipart()[1].decode())
                return len(set(zmq_ids))

            writer.start()
            _wait_for(lambda: distinct_on_zmq() >= EVENTS // 3, "a third of the events")
            publisher.stop(how)
            _wait_for(lambda: len(writer.committed) >= 2 * EVENTS // 3, "more events")
            publisher = PublisherProcess(empty_database, event_socket, log)
            writer.join(DEADLINE_S)
            _wait_for(lambda: distinct_on_zmq() >= EVENTS, "every event on ZMQ")
            graphql_ids = [socket.next()["messageId"] for _ in range(EVENTS)]
    finally:
        subscriber.close()
        server.stop()
        publisher.stop()
    assert graphql_ids == writer.committed  # every event once, in commit order
    assert set(zmq_ids) == set(writer.committed)  # none lost
    if how == signal.SIGTERM:
        assert zmq_ids == writer.committed  # a stopped publisher repeats nothing
