"""lava-publisher's wire format: frames, payloads and strict decoding.

Reference: spec/events.md §3-§4 (LAVA 2023.01) and spec/changes-since-2023.md §4.1 (frame 3
carries ``+00:00`` since LAVA 2026.05; we send master's form and accept both).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from uuid import UUID

import pytest

from gql_server.db.models import Device, TestJob, Worker
from gql_server.events import wire
from gql_server.events.wire import Event, EventKind, MalformedEvent, decode, encode
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    WorkerHealth,
    WorkerState,
)

UTC = dt.UTC
PREFIX = "org.lavasoftware"
# Frame 2 where the spec leaves it out ("..."): a version 1 uuid of our own.
OWN_UUID = "0f5e1c2a-90d9-11ed-a1eb-0242ac120002"


def at(text: str) -> dt.datetime:
    """The UTC time written naively (as LAVA 2023.01's frame 3) in ``text``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def as_frames(*texts: str) -> list[bytes]:
    return [text.encode("utf-8") for text in texts]


def make_job(**columns: Any) -> TestJob:
    """A single-node, submitted job held in memory; ``columns`` override."""
    values: dict[str, Any] = {
        "id": 42,
        "sub_id": "",
        "target_group": None,
        "description": "qemu smoke",
        "priority": 50,
        "health_check": False,
        "state": JobState.SUBMITTED,
        "health": JobHealth.UNKNOWN,
        "submit_time": at("2023-01-10T12:30:00.000100"),
        "actual_device_id": None,
        "start_time": None,
        "end_time": None,
    }
    return TestJob(**(values | columns))


def make_device(**columns: Any) -> Device:
    values: dict[str, Any] = {
        "hostname": "qemu01",
        "device_type_id": "qemu",
        "worker_host_id": "worker1",
        "state": DeviceState.IDLE,
        "health": DeviceHealth.GOOD,
    }
    return Device(**(values | columns))


def make_worker(**columns: Any) -> Worker:
    values: dict[str, Any] = {
        "hostname": "worker-02",
        "state": WorkerState.OFFLINE,
        "health": WorkerHealth.MAINTENANCE,
    }
    return Worker(**(values | columns))


FINISHED_JOB = make_job(
    state=JobState.FINISHED,
    health=JobHealth.COMPLETE,
    actual_device_id="qemu01",
    start_time=at("2023-01-10T12:31:02.004000"),
    end_time=at("2023-01-10T12:40:01.049000"),
)

# --- the spec's examples: (event we build, the frames LAVA 2023.01 sent) -----------------

SPEC_EXAMPLES = [
    pytest.param(
        # events.md §3 frame examples with the §4.1 creation data frame (observed).
        wire.job_event(
            make_job(id=1, description="qemu basic", submit_time=at("2026-11-28T06:20:54.183988")),
            submitter="admin",
            device_type="qemu",
            worker=None,
            timestamp=at("2026-11-28T06:20:54.188764"),
        ),
        [
            "org.lavasoftware.testjob",
            "dda771dc-eaf3-11f1-a143-02fc00000001",
            "2026-11-28T06:20:54.188764",
            "admin",
            '{"health": "Unknown", "state": "Submitted", "job": 1, "description": "qemu basic", '
            '"priority": 50, "submit_time": "2026-11-28T06:20:54.183988+00:00", '
            '"submitter": "admin", "health_check": false, "device_type": "qemu"}',
        ],
        id="testjob-created-observed",
    ),
    pytest.param(
        # events.md §4 illustrative finished job.
        wire.job_event(
            FINISHED_JOB,
            submitter="alice",
            device_type="qemu",
            worker="worker1",
            timestamp=at("2023-01-10T12:40:01.052117"),
        ),
        [
            "org.lavasoftware.testjob",
            "5a0c2b7e-90d9-11ed-a1eb-0242ac120002",
            "2023-01-10T12:40:01.052117",
            "alice",
            '{"health": "Complete", "state": "Finished", "job": 42, "description": "qemu smoke", '
            '"priority": 50, "submit_time": "2023-01-10T12:30:00.000100+00:00", '
            '"submitter": "alice", "health_check": false, "device": "qemu01", '
            '"worker": "worker1", "device_type": "qemu", '
            '"start_time": "2023-01-10T12:31:02.004000+00:00", '
            '"end_time": "2023-01-10T12:40:01.049000+00:00"}',
        ],
        id="testjob-finished-example",
    ),
    pytest.param(
        # events.md §7: the websocket relay's array holds the five ZMQ frames (observed).
        wire.device_event(
            make_device(
                hostname="qemu-02", worker_host_id="worker-01", health=DeviceHealth.MAINTENANCE
            ),
            current_job_id=None,
            timestamp=at("2026-11-28T06:33:41.529303"),
        ),
        json.loads(
            r'["org.lavasoftware.device", "a706524a-eaf5-11f1-a143-02fc00000001", '
            r'"2026-11-28T06:33:41.529303", "lavaserver", "{\"health\": \"Maintenance\", '
            r"\"state\": \"Idle\", \"device\": \"qemu-02\", \"device_type\": \"qemu\", "
            r'\"worker\": \"worker-01\"}"]'
        ),
        id="device-websocket-observed",
    ),
    pytest.param(
        # events.md §4.2 data frame (observed); frames 2-3 are ours.
        wire.device_event(
            make_device(
                hostname="qemu-03", worker_host_id="worker-01", health=DeviceHealth.MAINTENANCE
            ),
            current_job_id=None,
            timestamp=at("2026-11-28T06:40:00.000001"),
        ),
        [
            "org.lavasoftware.device",
            OWN_UUID,
            "2026-11-28T06:40:00.000001",
            "lavaserver",
            '{"health": "Maintenance", "state": "Idle", "device": "qemu-03", '
            '"device_type": "qemu", "worker": "worker-01"}',
        ],
        id="device-observed",
    ),
    pytest.param(
        # events.md §3 data frame example (observed); frames 2-3 are ours.
        wire.worker_event(make_worker(), timestamp=at("2026-11-28T06:41:00")),
        [
            "org.lavasoftware.worker",
            OWN_UUID,
            "2026-11-28T06:41:00",
            "lavaserver",
            '{"hostname": "worker-02", "health": "Maintenance", "state": "Offline"}',
        ],
        id="worker-observed",
    ),
    pytest.param(
        # events.md §4 illustrative test-shell event.
        wire.test_shell_event(42, "demonstration", timestamp=at("2023-01-10T12:35:10.500012")),
        [
            "org.lavasoftware.event",
            OWN_UUID,
            "2023-01-10T12:35:10.500012",
            "lavaserver",
            '{"message": "demonstration", "job": 42}',
        ],
        id="test-shell-example",
    ),
]


@pytest.mark.parametrize(("event", "lava_2023_frames"), SPEC_EXAMPLES)
def test_encode_matches_the_spec_byte_for_byte(event: Event, lava_2023_frames: list[str]) -> None:
    """Same frames as LAVA, except frame 3 in master's form (``+00:00`` appended)."""
    topic, message_id, created, username, data = lava_2023_frames
    sent = encode(dataclasses.replace(event, uuid=message_id))
    assert sent == as_frames(topic, message_id, created + "+00:00", username, data)


@pytest.mark.parametrize(("event", "lava_2023_frames"), SPEC_EXAMPLES)
def test_decode_accepts_lava_2023_frames(event: Event, lava_2023_frames: list[str]) -> None:
    decoded = decode(as_frames(*lava_2023_frames), topic_prefix=PREFIX)
    assert decoded == dataclasses.replace(event, uuid=lava_2023_frames[1])
    assert decoded.timestamp.tzinfo is UTC
    assert list(decoded.data) == list(json.loads(lava_2023_frames[4]))


# --- round trips ---------------------------------------------------------------------------

NOW = dt.datetime(2026, 8, 21, 10, 11, 12, 123456, tzinfo=UTC)

JOB = wire.job_event(
    FINISHED_JOB, submitter="alice", device_type="qemu", worker="worker1", timestamp=NOW
)
DEVICE = wire.device_event(make_device(), current_job_id=7, timestamp=NOW)
WORKER = wire.worker_event(make_worker(), timestamp=NOW)
TEST_SHELL = wire.test_shell_event(7, "caf\u00e9 ready", timestamp=NOW)
STAGING_WORKER = wire.worker_event(make_worker(), timestamp=NOW, topic_prefix="org.example.staging")

ROUND_TRIP_EVENTS = [
    pytest.param(JOB, id="testjob"),
    pytest.param(
        wire.job_event(
            make_job(target_group="5c1e", sub_id="", description=None),
            submitter="bob",
            device_type=None,
            worker=None,
            timestamp=NOW,
        ),
        id="testjob-multinode-first-save",
    ),
    pytest.param(DEVICE, id="device"),
    pytest.param(
        wire.device_event(
            make_device(worker_host_id=None, state=DeviceState.RESERVED),
            current_job_id="7.1",
            timestamp=NOW,
        ),
        id="device-multinode-job-no-worker",
    ),
    pytest.param(WORKER, id="worker"),
    pytest.param(TEST_SHELL, id="test-shell"),
    pytest.param(STAGING_WORKER, id="other-prefix"),
]


@pytest.mark.parametrize("event", ROUND_TRIP_EVENTS)
def test_decode_inverts_encode(event: Event) -> None:
    prefix = event.topic.rpartition(".")[0]
    decoded = decode(encode(event), topic_prefix=prefix)
    assert decoded == event
    assert list(decoded.data) == list(event.data)


def test_frame_3_is_utc_with_offset_and_drops_a_zero_fraction() -> None:
    in_paris = dt.datetime(2026, 8, 21, 12, 11, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    event = wire.worker_event(make_worker(), timestamp=in_paris)
    assert event.timestamp == dt.datetime(2026, 8, 21, 10, 11, 12, tzinfo=UTC)
    assert encode(event)[2] == b"2026-08-21T10:11:12+00:00"


def test_decode_accepts_a_2023_timestamp_without_fraction() -> None:
    frames = encode(wire.worker_event(make_worker(), timestamp=NOW))
    frames[2] = b"2026-08-21T10:11:12"
    decoded = decode(frames, topic_prefix=PREFIX)
    assert decoded.timestamp == dt.datetime(2026, 8, 21, 10, 11, 12, tzinfo=UTC)


def test_data_frame_escapes_non_ascii_and_frames_are_utf8() -> None:
    job = make_job(description="caf\u00e9 \u2713")
    event = wire.job_event(
        job, submitter="j\u00fcrgen", device_type=None, worker=None, timestamp=NOW
    )
    frames = encode(event)
    assert frames[3] == "j\u00fcrgen".encode()
    assert b'"description": "caf\\u00e9 \\u2713"' in frames[4]
    assert frames[4].isascii()


def test_event_needs_an_aware_timestamp() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Event(
            topic="org.lavasoftware.worker",
            uuid=OWN_UUID,
            timestamp=dt.datetime(2026, 8, 21, 10, 11, 12),
            username="lavaserver",
            data={},
        )


# --- constructors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "kind", "username"),
    [
        (
            wire.job_event(
                make_job(), submitter="carol", device_type="qemu", worker=None, timestamp=NOW
            ),
            EventKind.TESTJOB,
            "carol",
        ),
        (
            wire.device_event(make_device(), current_job_id=None, timestamp=NOW),
            "device",
            "lavaserver",
        ),
        (wire.worker_event(make_worker(), timestamp=NOW), "worker", "lavaserver"),
        (wire.test_shell_event(3, "hello", timestamp=NOW), "event", "lavaserver"),
    ],
)
def test_constructors_set_topic_username_uuid_and_time(
    event: Event, kind: str, username: str
) -> None:
    assert event.topic == f"org.lavasoftware.{kind}"
    assert event.kind == kind
    assert event.username == username
    assert event.timestamp == NOW
    message_id = UUID(event.uuid)
    assert message_id.version == 1
    assert str(message_id) == event.uuid


def test_each_event_gets_a_fresh_uuid() -> None:
    uuids = {wire.test_shell_event(3, "again", timestamp=NOW).uuid for _ in range(100)}
    assert len(uuids) == 100


def test_topic_prefix_is_configurable() -> None:
    event = wire.test_shell_event(3, "x", timestamp=NOW, topic_prefix="org.example.staging")
    assert event.topic == "org.example.staging.event"
    assert event.kind is EventKind.EVENT


# --- payload builders --------------------------------------------------------------------------


def test_job_payload_with_every_optional_key_in_lava_order() -> None:
    job = make_job(
        id=9,
        target_group="0b4b6b5e",
        sub_id="8.1",
        health_check=True,
        priority=100,
        state=JobState.FINISHED,
        health=JobHealth.CANCELED,
        actual_device_id="qemu01",
        submit_time=at("2026-08-21T10:00:00"),
        start_time=at("2026-08-21T10:01:00.5"),
        end_time=at("2026-08-21T10:02:00"),
    )
    payload = wire.job_payload(job, submitter="dave", device_type="qemu", worker="worker1")
    assert payload == {
        "health": "Canceled",
        "state": "Finished",
        "job": 9,
        "description": "qemu smoke",
        "priority": 100,
        "submit_time": "2026-08-21T10:00:00+00:00",
        "submitter": "dave",
        "health_check": True,
        "sub_id": "8.1",
        "device": "qemu01",
        "worker": "worker1",
        "device_type": "qemu",
        "start_time": "2026-08-21T10:01:00.500000+00:00",
        "end_time": "2026-08-21T10:02:00+00:00",
    }
    assert list(payload) == [
        "health",
        "state",
        "job",
        "description",
        "priority",
        "submit_time",
        "submitter",
        "health_check",
        "sub_id",
        "device",
        "worker",
        "device_type",
        "start_time",
        "end_time",
    ]


def test_job_payload_leaves_out_what_is_not_set() -> None:
    job = make_job(description=None)
    payload = wire.job_payload(job, submitter="erin", device_type=None, worker="worker1")
    assert payload == {
        "health": "Unknown",
        "state": "Submitted",
        "job": 42,
        "description": None,
        "priority": 50,
        "submit_time": "2023-01-10T12:30:00.000100+00:00",
        "submitter": "erin",
        "health_check": False,
    }


def test_job_payload_names_a_worker_only_with_a_device() -> None:
    running = make_job(state=JobState.RUNNING, actual_device_id="qemu01")
    without_worker = wire.job_payload(running, submitter="f", device_type="qemu", worker=None)
    assert without_worker["device"] == "qemu01"
    assert "worker" not in without_worker
    with_worker = wire.job_payload(running, submitter="f", device_type="qemu", worker="w1")
    assert list(with_worker)[-3:] == ["device", "worker", "device_type"]


def test_multinode_first_save_carries_an_empty_sub_id() -> None:
    job = make_job(target_group="0b4b6b5e", sub_id="")
    payload = wire.job_payload(job, submitter="g", device_type="qemu", worker=None)
    assert payload["sub_id"] == ""
    assert list(payload)[-2:] == ["sub_id", "device_type"]


def test_job_canceled_before_scheduling_has_equal_times_and_no_device() -> None:
    moment = at("2026-08-21T10:05:00.250000")
    job = make_job(
        state=JobState.FINISHED, health=JobHealth.CANCELED, start_time=moment, end_time=moment
    )
    payload = wire.job_payload(job, submitter="h", device_type="qemu", worker="ignored")
    assert payload["start_time"] == payload["end_time"] == "2026-08-21T10:05:00.250000+00:00"
    assert "device" not in payload
    assert "worker" not in payload


@pytest.mark.parametrize(
    ("current_job_id", "expected_tail"),
    [(None, {}), (12, {"job": 12}), ("12.0", {"job": "12.0"})],
)
def test_device_payload(current_job_id: int | str | None, expected_tail: dict[str, Any]) -> None:
    device = make_device(
        hostname="bbb-01",
        device_type_id="beaglebone-black",
        worker_host_id=None,
        state=DeviceState.RUNNING,
        health=DeviceHealth.LOOPING,
    )
    payload = wire.device_payload(device, current_job_id=current_job_id)
    expected = {
        "health": "Looping",
        "state": "Running",
        "device": "bbb-01",
        "device_type": "beaglebone-black",
        "worker": None,
    } | expected_tail
    assert payload == expected
    assert list(payload) == list(expected)


def test_worker_payload_starts_with_the_hostname() -> None:
    worker = make_worker(hostname="w9", state=WorkerState.ONLINE, health=WorkerHealth.RETIRED)
    payload = wire.worker_payload(worker)
    assert list(payload.items()) == [("hostname", "w9"), ("health", "Retired"), ("state", "Online")]


def test_test_event_payload_order() -> None:
    payload = wire.test_event_payload(1995, "boot done")
    assert list(payload.items()) == [("message", "boot done"), ("job", 1995)]


# --- strict decoding ---------------------------------------------------------------------------

REQUIRED_KEYS = [
    (
        JOB,
        [
            "health",
            "state",
            "job",
            "description",
            "priority",
            "submit_time",
            "submitter",
            "health_check",
        ],
    ),
    (DEVICE, ["health", "state", "device", "device_type", "worker"]),
    (WORKER, ["hostname", "health", "state"]),
    (TEST_SHELL, ["message", "job"]),
]


def replaced(event: Event, index: int, frame: str | bytes) -> list[bytes]:
    frames = encode(event)
    frames[index] = frame.encode("utf-8") if isinstance(frame, str) else frame
    return frames


def with_data(event: Event, **changes: Any) -> list[bytes]:
    return replaced(event, 4, json.dumps(event.data | changes))


def without_key(event: Event, key: str) -> list[bytes]:
    data = {name: value for name, value in event.data.items() if name != key}
    return replaced(event, 4, json.dumps(data))


MALFORMED = [
    # frame count
    pytest.param([], "got 0", id="no-frames"),
    pytest.param(encode(JOB)[:4], "got 4", id="four-frames"),
    pytest.param([*encode(JOB), b""], "got 6", id="six-frames"),
    # encoding
    pytest.param(
        replaced(JOB, 0, b"org.lavasoftware.\xfftestjob"), "frame 1 is not UTF-8", id="topic-utf8"
    ),
    pytest.param(
        replaced(TEST_SHELL, 4, b'{"message": "\xe9", "job": 7}'), "frame 5", id="data-latin1"
    ),
    # topic
    pytest.param(replaced(JOB, 0, "org.linaro.validation.testjob"), "topic", id="other-prefix"),
    pytest.param(replaced(JOB, 0, "org.lavasoftware.results"), "topic", id="unknown-suffix"),
    pytest.param(replaced(JOB, 0, "org.lavasoftware"), "topic", id="prefix-only"),
    pytest.param(replaced(JOB, 0, "org.lavasoftware.Testjob"), "topic", id="suffix-case"),
    pytest.param(replaced(JOB, 0, "org.lavasoftware.testjob.x"), "topic", id="longer-topic"),
    pytest.param(replaced(JOB, 0, "testjob"), "topic", id="no-prefix"),
    pytest.param(encode(STAGING_WORKER), "topic", id="configured-prefix-differs"),
    pytest.param(replaced(DEVICE, 0, "org.lavasoftware.worker"), "worker payload", id="kind-mixup"),
    # uuid
    pytest.param(replaced(JOB, 1, "not-a-uuid"), "uuid", id="uuid-garbage"),
    pytest.param(replaced(JOB, 1, ""), "uuid", id="uuid-empty"),
    pytest.param(replaced(JOB, 1, OWN_UUID.upper()), "uuid", id="uuid-uppercase"),
    pytest.param(replaced(JOB, 1, OWN_UUID.replace("-", "")), "uuid", id="uuid-no-hyphens"),
    pytest.param(replaced(JOB, 1, "{" + OWN_UUID + "}"), "uuid", id="uuid-braces"),
    pytest.param(replaced(JOB, 1, "urn:uuid:" + OWN_UUID), "uuid", id="uuid-urn"),
    pytest.param(
        replaced(JOB, 1, "f47ac10b-58cc-4372-a567-0e02b2c3d479"), "version 1", id="uuid-version-4"
    ),
    pytest.param(
        replaced(JOB, 1, "00000000-0000-0000-0000-000000000000"), "version 1", id="uuid-nil"
    ),
    # datetime
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11:12.123456Z"), "datetime", id="time-z"),
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11:12.123456+01:00"), "datetime", id="time-cet"),
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11:12+0000"), "datetime", id="time-short-offset"),
    pytest.param(replaced(JOB, 2, "2026-08-21 10:11:12.123456"), "datetime", id="time-space"),
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11:12.123"), "datetime", id="time-millis"),
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11"), "datetime", id="time-no-seconds"),
    pytest.param(replaced(JOB, 2, "2026-08-21"), "datetime", id="time-date-only"),
    pytest.param(replaced(JOB, 2, "2026-13-21T10:11:12"), "datetime", id="time-month-13"),
    pytest.param(replaced(JOB, 2, "2026-08-21T10:11:12\n"), "datetime", id="time-newline"),
    pytest.param(replaced(JOB, 2, "1787307072.123456"), "datetime", id="time-epoch"),
    pytest.param(replaced(JOB, 2, ""), "datetime", id="time-empty"),
    # JSON
    pytest.param(replaced(JOB, 4, "{'job': 1}"), "not JSON", id="json-python-repr"),
    pytest.param(replaced(JOB, 4, ""), "not JSON", id="json-empty"),
    pytest.param(replaced(JOB, 4, "[1, 2]"), "not a JSON object", id="json-array"),
    pytest.param(replaced(JOB, 4, '"text"'), "not a JSON object", id="json-string"),
    pytest.param(replaced(JOB, 4, "null"), "not a JSON object", id="json-null"),
    pytest.param(
        replaced(TEST_SHELL, 4, '{"message": "a", "job": NaN}'), "not JSON", id="json-nan"
    ),
    pytest.param(
        replaced(TEST_SHELL, 4, '{"message": "a", "job": 7, "job": 8}'),
        "not JSON",
        id="json-duplicate-key",
    ),
    pytest.param(replaced(TEST_SHELL, 4, "[" * 100_000), "not JSON", id="json-too-deep"),
    # payload types
    pytest.param(with_data(JOB, job="42"), "'job'", id="testjob-job-string"),
    pytest.param(with_data(JOB, job=True), "'job'", id="testjob-job-bool"),
    pytest.param(with_data(JOB, job=42.0), "'job'", id="testjob-job-float"),
    pytest.param(with_data(JOB, health="Good"), "'health'", id="testjob-device-health"),
    pytest.param(with_data(JOB, state="submitted"), "'state'", id="testjob-state-case"),
    pytest.param(with_data(JOB, description=5), "'description'", id="testjob-description"),
    pytest.param(with_data(JOB, priority=101), "'priority'", id="testjob-priority-high"),
    pytest.param(with_data(JOB, priority=-1), "'priority'", id="testjob-priority-low"),
    pytest.param(with_data(JOB, priority="50"), "'priority'", id="testjob-priority-string"),
    pytest.param(with_data(JOB, health_check=0), "'health_check'", id="testjob-health-check"),
    pytest.param(
        with_data(JOB, submit_time="2023-01-10T12:30:00.000100"),
        "'submit_time'",
        id="testjob-submit-time-naive",
    ),
    pytest.param(with_data(JOB, submit_time=1673353800), "'submit_time'", id="testjob-time-int"),
    pytest.param(with_data(JOB, sub_id=3), "'sub_id'", id="testjob-sub-id"),
    pytest.param(with_data(JOB, device=None), "'device'", id="testjob-device-null"),
    pytest.param(with_data(JOB, worker=["w"]), "'worker'", id="testjob-worker-list"),
    pytest.param(with_data(JOB, device_type=1), "'device_type'", id="testjob-device-type"),
    pytest.param(with_data(JOB, start_time="yesterday"), "'start_time'", id="testjob-start"),
    pytest.param(with_data(JOB, end_time=None), "'end_time'", id="testjob-end-null"),
    pytest.param(with_data(DEVICE, health="Active"), "'health'", id="device-worker-health"),
    pytest.param(with_data(DEVICE, state="Offline"), "'state'", id="device-state"),
    pytest.param(with_data(DEVICE, device=None), "'device'", id="device-hostname-null"),
    pytest.param(with_data(DEVICE, worker=5), "'worker'", id="device-worker-int"),
    pytest.param(with_data(DEVICE, job=1.5), "'job'", id="device-job-float"),
    pytest.param(with_data(DEVICE, job=None), "'job'", id="device-job-null"),
    pytest.param(with_data(WORKER, hostname=None), "'hostname'", id="worker-hostname"),
    pytest.param(with_data(WORKER, health="Good"), "'health'", id="worker-device-health"),
    pytest.param(with_data(WORKER, state="Idle"), "'state'", id="worker-state"),
    pytest.param(with_data(TEST_SHELL, message=None), "'message'", id="event-message-null"),
    pytest.param(with_data(TEST_SHELL, job="1995"), "'job'", id="event-job-string-legacy-docs"),
    # username frame
    pytest.param(replaced(JOB, 3, "bob"), "username", id="testjob-not-submitter"),
    pytest.param(replaced(DEVICE, 3, "admin"), "username", id="device-user"),
    pytest.param(replaced(WORKER, 3, ""), "username", id="worker-empty-user"),
    pytest.param(replaced(TEST_SHELL, 3, "lavaserver "), "username", id="event-user-space"),
    # required keys, straight from events.md §4
    *(
        pytest.param(without_key(event, key), f"lacks '{key}'", id=f"{event.kind}-without-{key}")
        for event, keys in REQUIRED_KEYS
        for key in keys
    ),
]


@pytest.mark.parametrize(("frames", "reason"), MALFORMED)
def test_decode_rejects_malformed_frames(frames: list[bytes], reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        decode(frames, topic_prefix=PREFIX)


def test_an_empty_prefix_still_needs_the_dot() -> None:
    event = wire.worker_event(make_worker(), timestamp=NOW, topic_prefix="")
    assert decode(encode(event), topic_prefix="") == event
    with pytest.raises(MalformedEvent, match="topic"):
        decode(replaced(event, 0, "worker"), topic_prefix="")


def test_malformed_event_is_a_value_error() -> None:
    assert issubclass(MalformedEvent, ValueError)


def test_decode_keeps_keys_it_does_not_know() -> None:
    """Forward compatibility: a later LAVA may add payload keys; they pass through in order."""
    decoded = decode(with_data(WORKER, version="2026.07"), topic_prefix=PREFIX)
    assert list(decoded.data) == ["hostname", "health", "state", "version"]
    assert encode(decoded)[4].endswith(b', "version": "2026.07"}')
