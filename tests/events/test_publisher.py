"""State changes reach a ZMQ subscriber as LAVA's five frames, from the committed outbox."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy
import zmq

DEADLINE_S = 10.0


@pytest.fixture
def subscriber(lab):
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.SUBSCRIBE, b"org.lavasoftware")
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(lab.server.event_socket)
    yield socket
    socket.close()


def wait_until_subscribed(lab, subscriber) -> None:
    """Flip a device's health until its event arrives: the subscription is then live."""
    deadline = time.monotonic() + DEADLINE_S
    health = "MAINTENANCE"
    while time.monotonic() < deadline:
        set_device_health(lab, "vis-public-01", health)
        if subscriber.poll(200):
            drain(subscriber)
            return
        health = "GOOD" if health == "MAINTENANCE" else "MAINTENANCE"
    raise AssertionError("no event reached the subscriber")


def drain(subscriber) -> None:
    while subscriber.poll(100):
        subscriber.recv_multipart()


def receive(subscriber, count: int) -> list[list[bytes]]:
    messages = []
    deadline = time.monotonic() + DEADLINE_S
    while len(messages) < count and time.monotonic() < deadline:
        if subscriber.poll(100):
            messages.append(subscriber.recv_multipart())
    assert len(messages) == count, messages
    return messages


def set_device_health(lab, hostname: str, health: str, token: str | None = None) -> dict:
    return lab.client.post(
        "mutation ($h: String!, $x: DeviceHealth!) { setDeviceHealth(hostname: $h, health: $x)"
        " { hostname health } }",
        {"h": hostname, "x": health},
        token=token or lab.tokens["vis-admin"],
    ).json()


def test_device_health_change_is_published(lab, subscriber):
    wait_until_subscribed(lab, subscriber)
    current = lab.client.execute(
        '{ device(hostname: "vis-public-01") { health } }', token=lab.tokens["vis-admin"]
    )["device"]["health"]
    target = "BAD" if current != "BAD" else "GOOD"
    assert set_device_health(lab, "vis-public-01", target)["data"]["setDeviceHealth"] == {
        "hostname": "vis-public-01",
        "health": target,
    }
    (frames,) = receive(subscriber, 1)
    topic, message_id, timestamp, username, data = (f.decode() for f in frames)
    assert topic == "org.lavasoftware.device"
    assert len(message_id) == 36 and username == "lavaserver"
    assert timestamp.endswith("+00:00")
    payload = json.loads(data)
    assert list(payload)[:5] == ["health", "state", "device", "device_type", "worker"]
    assert payload["device"] == "vis-public-01" and payload["health"] == target.title()


def test_unchanged_health_publishes_nothing(lab, subscriber):
    wait_until_subscribed(lab, subscriber)
    current = lab.client.execute(
        '{ device(hostname: "vis-public-01") { health } }', token=lab.tokens["vis-admin"]
    )["device"]["health"]
    set_device_health(lab, "vis-public-01", current)
    assert not subscriber.poll(300)


def test_worker_going_active_moves_good_devices_to_unknown_first(lab, subscriber):
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        worker = connection.execute(
            sqlalchemy.text(
                "SELECT worker_host_id FROM lava_scheduler_app_device WHERE health = 0"
                " AND worker_host_id IS NOT NULL AND device_type_id NOT IN"
                " (SELECT devicetype_id FROM lava_scheduler_app_groupdevicetypepermission)"
                " ORDER BY hostname LIMIT 1"
            )
        ).scalar()
    engine.dispose()
    mutation = (
        "mutation ($w: String!, $x: WorkerHealth!) { setWorkerHealth(hostname: $w, health: $x)"
        " { health devices { hostname health } } }"
    )
    token = lab.tokens["vis-admin"]
    wait_until_subscribed(lab, subscriber)
    lab.client.execute(mutation, {"w": worker, "x": "MAINTENANCE"}, token=token)
    receive(subscriber, 1)
    good = [
        d["hostname"]
        for d in lab.client.execute(
            "query ($w: String!) { worker(hostname: $w) { devices { hostname health } } }",
            {"w": worker},
        )["worker"]["devices"]
        if d["health"] == "GOOD"
    ]
    assert good
    result = lab.client.execute(mutation, {"w": worker, "x": "ACTIVE"}, token=token)
    assert {
        d["hostname"] for d in result["setWorkerHealth"]["devices"] if d["health"] == "UNKNOWN"
    } >= set(good)
    messages = receive(subscriber, len(good) + 1)
    topics = [m[0].decode().rsplit(".", 1)[1] for m in messages]
    assert topics == ["device"] * len(good) + ["worker"]
    payload = json.loads(messages[-1][4])
    assert list(payload) == ["hostname", "health", "state"]
    assert payload["hostname"] == worker and payload["health"] == "Active"


@pytest.mark.parametrize("viewer", [None, "vis-outsider"])
def test_only_those_allowed_change_a_device(lab, viewer):
    token = lab.tokens[viewer] if viewer else None
    body = lab.client.post(
        'mutation { setDeviceHealth(hostname: "vis-public-01", health: RETIRED) { health } }',
        token=token,
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_published_events_stay_in_the_outbox_with_a_sequence(lab, subscriber):
    wait_until_subscribed(lab, subscriber)
    engine = sqlalchemy.create_engine(lab.sync_url)
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = (
                connection.execute(sqlalchemy.text("SELECT seq FROM gql_server_event ORDER BY id"))
                .scalars()
                .all()
            )
        if rows and all(seq is not None for seq in rows):
            break
        time.sleep(0.05)
    engine.dispose()
    assert rows == list(range(1, len(rows) + 1))


def test_private_jobs_events_stay_off_the_open_stream(lab, subscriber):
    """A personal job's event does not reach a plain SUB client; a public job's does."""
    wait_until_subscribed(lab, subscriber)
    definition = (
        "job_name: private-event\ndevice_type: vis-public-type\nvisibility: personal\n"
        "timeouts:\n  job: {minutes: 1}\nactions:\n- boot: {method: qemu, media: tmpfs}\n"
    )
    submit = "mutation ($d: String!) { submitJob(definition: $d) { id } }"
    token = lab.tokens["vis-owner"]
    (private,) = lab.client.execute(submit, {"d": definition}, token=token)["submitJob"]
    public_definition = definition.replace("personal", "public")
    (public,) = lab.client.execute(submit, {"d": public_definition}, token=token)["submitJob"]
    (message,) = receive(subscriber, 1)
    assert json.loads(message[4])["job"] == public["id"]
    assert not subscriber.poll(300)
    assert private["id"] != public["id"]
