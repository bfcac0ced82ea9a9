"""The subscription hub: it follows the outbox in any process, hands every event over once
and in order across a resume, and drops a subscriber that stops reading."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
import sqlalchemy
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

from gql_server.db.models import Device
from gql_server.events import selectors
from gql_server.events.hub import SubscriberTooSlow, Subscription, connect_endpoint
from gql_server.events.wire import device_event
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.events import record_event
from gql_server.resolvers.subscriptions import Published
from tests.support.live import (
    LEGACY_WS,
    TRANSPORT_WS,
    StalledClient,
    flip_device,
    graphql_socket,
    published,
    token_params,
    unpublished,
    wait_for,
    ws_url,
)
from tests.support.server import GraphQLClient, ServerProcess

DEVICE = "vis-public-01"
STALLED = "stalled-01"
DEVICE_EVENTS = (
    "subscription ($h: String, $after: String) { deviceEvents(hostname: $h, after: $after) {"
    " cursor ... on DeviceEvent { topic messageId timestamp username data hostname deviceType"
    " worker state health currentJob } } }"
)
PUMP_ROUND = 10_000
MAX_GROWTH_MB = 10


@pytest.fixture(scope="module")
def follower(lab, tmp_path_factory):
    """A second server on the lab's database without a publisher of its own: its hub follows
    the lab server's publisher. Its subscriber queues hold 16 events."""
    server = ServerProcess(
        lab.database_url,
        tmp_path_factory.mktemp("follower") / "server.log",
        "--no-publisher",
        env={
            "GQL_SERVER_EVENT_SOCKET": lab.server.event_socket,
            "GQL_SERVER_SUBSCRIBER_QUEUE_SIZE": "16",
            "GQL_SERVER_WEBSOCKET_KEEP_ALIVE_SECONDS": "0.2",
        },
    )
    server.wait_until_ready()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("bound", "connected"),
    [
        ("tcp://*:5500", "tcp://127.0.0.1:5500"),
        ("tcp://0.0.0.0:5600", "tcp://127.0.0.1:5600"),
        ("tcp://10.1.2.3:5500", "tcp://10.1.2.3:5500"),
        ("ipc:///tmp/lava.events", "ipc:///tmp/lava.events"),
    ],
)
def test_a_wildcard_bind_is_reached_on_this_host(bound, connected):
    assert connect_endpoint(bound) == connected


def _published(seq: int) -> Published:
    device = Device(hostname="d", device_type_id="t", worker_host_id=None, health=0, state=0)
    return Published(
        seq, device_event(device, current_job_id=None, timestamp=dt.datetime.now(dt.UTC))
    )


def test_a_full_queue_is_emptied_and_its_reader_told():
    async def scenario() -> None:
        subscription = Subscription(position=0, size=2)
        assert subscription.offer(_published(1)) and subscription.offer(_published(2))
        assert [item.seq for item in await subscription.take()] == [1, 2]
        assert subscription.offer(_published(3)) and subscription.offer(_published(4))
        assert not subscription.offer(_published(5))
        with pytest.raises(SubscriberTooSlow):
            await subscription.take()

    asyncio.run(scenario())


def test_visibility_is_decided_once_per_event_for_each_kind_of_viewer(monkeypatch):
    checked: list[tuple[int | None, list[int]]] = []

    async def even_only(ctx, items, *, every_job=False):
        checked.append((ctx.viewer.user_id, [item.seq for item in items]))
        return [item for item in items if item.seq % 2 == 0]

    monkeypatch.setattr(selectors, "visible_events", even_only)
    shared = selectors.SharedVisibility(kept=100)
    changes = ChangeCounter()
    sessions = async_sessionmaker()  # never opened: the check is faked
    alice = RequestContext(sessions, Viewer(user_id=1), changes)
    bob = RequestContext(sessions, Viewer(user_id=2), changes)
    batch = [_published(seq) for seq in (1, 2, 3, 4)]

    async def scenario() -> None:
        for template in (alice, alice, bob):
            chosen = await shared.selector(template, lambda item: item.seq > 1)(batch)
            assert [item.seq for item in chosen] == [2, 4]
        changes.bump()
        await shared.selector(alice, lambda item: True)(batch)

    asyncio.run(scenario())
    assert checked == [(1, [2, 3, 4]), (2, [2, 3, 4]), (1, [1, 2, 3, 4])]


def test_a_process_without_a_publisher_follows_the_one_that_publishes(lab, follower):
    with graphql_socket(follower.base_url, token_params(lab.tokens["vis-admin"])) as socket:
        started = socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})
        (health,) = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        event = socket.next()
    assert event["hostname"] == DEVICE and event["health"] == health
    assert [int(event["cursor"])] == published(
        lab.sync_url, "device", "device", DEVICE, int(started["cursor"])
    )


def test_resuming_while_events_are_published_gives_each_once_in_order(lab, follower):
    token = lab.tokens["vis-admin"]
    with graphql_socket(follower.base_url, token_params(token)) as socket:
        start = int(socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})["cursor"])
    writer = threading.Thread(
        target=flip_device, args=(GraphQLClient(lab.server.base_url), token, DEVICE, 40)
    )
    writer.start()
    try:
        wait_for(
            lambda: len(published(lab.sync_url, "device", "device", DEVICE, start)) >= 10,
            "the first events",
        )
        with graphql_socket(follower.base_url, token_params(token)) as socket:
            socket.subscribe(DEVICE_EVENTS, {"h": DEVICE, "after": str(start)})
            received = [int(event["cursor"]) for event in socket.take(40)]
            writer.join()
            flip_device(lab.client, token, DEVICE, 1)
            received.append(int(socket.next()["cursor"]))
    finally:
        writer.join()
    assert received == published(lab.sync_url, "device", "device", DEVICE, start)


def _pump(lab, count: int) -> None:
    """Publish ``count`` events of a device nobody else listens to, and wait until the
    follower's hub has handed them out (it hands out in order: a later event proves it)."""
    device = Device(
        hostname=STALLED, device_type_id="vis-public-type", worker_host_id=None, health=0, state=0
    )
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        for _ in range(count):
            event = device_event(device, current_job_id=None, timestamp=dt.datetime.now(dt.UTC))
            record_event(session, event)  # type: ignore[arg-type]
        session.commit()
    engine.dispose()
    wait_for(lambda: unpublished(lab.sync_url) == 0, "the publisher", deadline_s=60)


def _rss_mb(server: ServerProcess) -> float:
    with open(f"/proc/{server.process.pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _through_the_hub(lab, reader) -> None:
    flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
    reader.next()


def test_a_subscriber_that_never_reads_is_dropped_and_memory_stays_flat(lab, follower):
    token = lab.tokens["vis-admin"]
    stalled = StalledClient(ws_url(follower.base_url, "/graphql"), TRANSPORT_WS)
    stalled_relay = StalledClient(ws_url(follower.base_url, "/ws/"))
    try:
        stalled.send_json({"type": "connection_init", "payload": token_params(token)})
        assert stalled.receive_json()["type"] == "connection_ack"
        subscribe = {"query": DEVICE_EVENTS, "variables": {"h": STALLED}}
        stalled.send_json({"id": "1", "type": "subscribe", "payload": subscribe})
        assert stalled.receive_json()["type"] == "next"
        with graphql_socket(follower.base_url, token_params(token)) as reader:
            reader.subscribe(DEVICE_EVENTS, {"h": DEVICE})
            _pump(lab, PUMP_ROUND)
            _through_the_hub(lab, reader)
            settled = _rss_mb(follower)
            _pump(lab, PUMP_ROUND)
            _pump(lab, PUMP_ROUND)
            _through_the_hub(lab, reader)
            grown = _rss_mb(follower) - settled
        received, last = 0, stalled.receive_json()
        while "errors" not in last.get("payload", {}):
            received, last = received + 1, stalled.receive_json()
        assert last["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
        assert stalled.receive_json() == {"id": "1", "type": "complete"}
        frames, last = 0, stalled_relay.receive_json()
        while isinstance(last, list):
            frames, last = frames + 1, stalled_relay.receive_json()
        assert "too slow" in last["error"]
        with pytest.raises(EOFError) as closed:
            stalled_relay.receive_json()
        assert closed.value.args[0].code == 1013
    finally:
        stalled.close()
        stalled_relay.close()
    assert received < PUMP_ROUND and frames < PUMP_ROUND
    assert grown < MAX_GROWTH_MB, f"the follower grew by {grown:.1f} MB"


@pytest.mark.parametrize(("protocol", "keep_alive"), [(TRANSPORT_WS, "ping"), (LEGACY_WS, "ka")])
def test_idle_websockets_get_keep_alives(follower, protocol, keep_alive):
    with graphql_socket(follower.base_url, protocol=protocol) as socket:
        socket.subscribe("subscription { workerEvents { cursor } }")
        assert socket.receive(keep_alives=True) == {"type": keep_alive}
