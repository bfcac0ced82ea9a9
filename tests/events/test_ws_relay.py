"""``/ws/``: LAVA's JSON arrays, filtered per client as LAVA master does (users, workers,
anonymous clients), refusals as one error frame, and the open stream's setting."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import sqlalchemy
from websockets.exceptions import ConnectionClosed

from gql_server.db.models import EventRecord, Worker
from tests.support.live import (
    DEADLINE_S,
    flip_device,
    published,
    record_job_event,
    record_test_shell_event,
    relay_socket,
)
from tests.support.server import ServerProcess

DEVICE = "vis-public-01"
WORKER_TOKEN = "relay-test-worker-token-0123456"
INVALID = "Invalid basic authentication"
UNKNOWN = "Unknown user"


def basic(lab, user: str) -> dict:
    secret = base64.b64encode(f"{user}:{lab.tokens[user]}".encode()).decode()
    return {"Authorization": f"Basic {secret}"}


def frames(ws) -> list[str]:
    """The next event: the five frame strings of LAVA's relay."""
    text = ws.recv(timeout=DEADLINE_S)
    message = json.loads(text)
    assert isinstance(message, list) and len(message) == 5, text
    assert all(isinstance(frame, str) for frame in message)
    assert text == json.dumps(message)  # Python's default separators, as LAVA's relay
    return message


def job_of(message: list[str]) -> int:
    assert message[0] == "org.lavasoftware.testjob", message
    return json.loads(message[4])["job"]


def test_each_event_is_lavas_json_array_of_its_five_frames(lab):
    with relay_socket(lab.server.base_url) as ws:
        before = published(lab.sync_url, "device", "device", DEVICE, 0)[-1:] or [0]
        (health,) = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        topic, message_id, timestamp, username, data = frames(ws)
    (seq,) = published(lab.sync_url, "device", "device", DEVICE, before[0])
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        record = connection.execute(
            sqlalchemy.select(EventRecord).where(EventRecord.seq == seq)
        ).one()
    engine.dispose()
    assert (topic, message_id, username) == (record.topic, record.message_id, "lavaserver")
    assert timestamp.endswith("+00:00")
    payload = json.loads(data)
    assert list(payload) == ["health", "state", "device", "device_type", "worker"]
    assert payload["device"] == DEVICE and payload["health"] == health.title()
    assert data == json.dumps(payload, separators=(", ", ": "))


def test_private_jobs_events_reach_only_those_who_may_see_them(lab):
    scenario = lab.scenario
    with (
        relay_socket(lab.server.base_url) as anonymous,
        relay_socket(lab.server.base_url, basic(lab, "vis-owner")) as owner,
        relay_socket(lab.server.base_url, basic(lab, "vis-outsider")) as outsider,
    ):
        record_job_event(lab.sync_url, scenario.personal_job)
        record_job_event(lab.sync_url, scenario.public_job)
        assert job_of(frames(anonymous)) == scenario.public_job
        assert job_of(frames(outsider)) == scenario.public_job
        assert [job_of(frames(owner)), job_of(frames(owner))] == [
            scenario.personal_job,
            scenario.public_job,
        ]


def test_test_shell_events_are_not_relayed(lab):
    with relay_socket(lab.server.base_url, basic(lab, "vis-admin")) as ws:
        record_test_shell_event(lab.sync_url, lab.scenario.public_job, "hello")
        flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        assert frames(ws)[0] == "org.lavasoftware.device"


def _lab_worker(lab) -> str:
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.begin() as connection:
        hostname = connection.execute(
            sqlalchemy.select(Worker.hostname).order_by(Worker.hostname).limit(1)
        ).scalar_one()
        connection.execute(
            sqlalchemy.update(Worker).where(Worker.hostname == hostname).values(token=WORKER_TOKEN)
        )
    engine.dispose()
    return hostname


def test_a_worker_gets_the_job_events_naming_it(lab):
    worker = _lab_worker(lab)
    headers = {"LAVA-Token": WORKER_TOKEN, "LAVA-Host": worker}
    with relay_socket(lab.server.base_url, headers) as ws:
        record_job_event(lab.sync_url, lab.scenario.public_job, worker="another-worker")
        flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        record_job_event(lab.sync_url, lab.scenario.personal_job, worker=worker)
        message = frames(ws)
    assert job_of(message) == lab.scenario.personal_job
    assert json.loads(message[4])["worker"] == worker


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"Authorization": "Digest abc"}, "Only Basic authentication is supported"),
        ({"Authorization": "Basic !!!"}, INVALID),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, INVALID),
        ({"Authorization": "Basic " + base64.b64encode(b"vis-owner:wrong").decode()}, UNKNOWN),
        ({"LAVA-Token": "x", "LAVA-Host": "no-such-worker"}, "Unknown worker"),
        ({"LAVA-Token": "wrong", "LAVA-Host": "<lab worker>"}, "Invalid worker token"),
    ],
)
def test_a_refused_client_gets_one_error_frame(lab, headers, error):
    if headers.get("LAVA-Host") == "<lab worker>":
        headers = {**headers, "LAVA-Host": _lab_worker(lab)}
    with relay_socket(lab.server.base_url, headers) as ws:
        message = json.loads(ws.recv(timeout=DEADLINE_S))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=DEADLINE_S)
    assert message == {"error": error}


def test_the_relay_health_probe(lab):
    assert httpx.get(lab.server.base_url + "/ws/v1/healthz").json() == {"health": "good"}


@pytest.fixture(scope="module")
def open_stream(lab, tmp_path_factory):
    """A server on the lab's database whose open stream carries private jobs' events."""
    server = ServerProcess(
        lab.database_url,
        tmp_path_factory.mktemp("open-stream") / "server.log",
        "--no-publisher",
        env={
            "GQL_SERVER_EVENT_SOCKET": lab.server.event_socket,
            "GQL_SERVER_OPEN_STREAM_PRIVATE_JOBS": "true",
        },
    )
    server.wait_until_ready()
    yield server
    server.stop()


def test_a_setting_opens_the_anonymous_stream_to_private_jobs(lab, open_stream):
    with relay_socket(open_stream.base_url) as anonymous:
        record_job_event(lab.sync_url, lab.scenario.personal_job)
        assert job_of(frames(anonymous)) == lab.scenario.personal_job
