"""lava-publisher's wire format: five ZMQ frames per event, and the payload of each event kind.

Pure functions: no sockets, no database. ``encode`` writes what LAVA master's producers send
(frame 3 in UTC with ``+00:00``, since LAVA 2026.05); ``decode`` also accepts LAVA 2023.01's
naive frame-3 timestamp and rejects anything a LAVA producer would not send with
``MalformedEvent``. Payload keys, their order and their presence follow ``spec/events.md`` §4.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple
from uuid import UUID, uuid1

from gql_server.db.models import Device, TestJob, Worker
from gql_server.lab.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    LabEnum,
    WorkerHealth,
    WorkerState,
)

UTC = dt.UTC
DEFAULT_TOPIC_PREFIX = "org.lavasoftware"
SERVER_USERNAME = "lavaserver"
FRAME_COUNT = 5

_UTC_OFFSET = "+00:00"
_TIME_BODY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?")


class EventKind(enum.StrEnum):
    """The topic suffixes LAVA publishes."""

    TESTJOB = "testjob"
    DEVICE = "device"
    WORKER = "worker"
    EVENT = "event"  # a test-shell message (lava-test-event)


_KIND_NAMES = frozenset(kind.value for kind in EventKind)


class MalformedEvent(ValueError):
    """Frames that are not a LAVA event; the message says why, briefly."""


@dataclasses.dataclass(frozen=True)
class Event:
    """One event as its five frames carry it, decoded.

    ``timestamp`` must be timezone-aware; it is kept in UTC. ``data`` is the JSON payload,
    its keys in LAVA's order.
    """

    topic: str
    uuid: str
    timestamp: dt.datetime
    username: str
    data: dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "timestamp", _as_utc(self.timestamp))

    @property
    def kind(self) -> EventKind:
        """The topic suffix (raises ValueError for a topic LAVA does not publish)."""
        return EventKind(self.topic.rpartition(".")[2])


# --- encoding ----------------------------------------------------------------------------


def encode(event: Event) -> list[bytes]:
    """The five UTF-8 frames lava-publisher sends for ``event``."""
    texts = (
        event.topic,
        event.uuid,
        _iso(event.timestamp),
        event.username,
        json.dumps(event.data, ensure_ascii=True, separators=(", ", ": ")),
    )
    return [text.encode("utf-8") for text in texts]


def _as_utc(value: dt.datetime) -> dt.datetime:
    if value.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return value.astimezone(UTC)


def _iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with ``+00:00``; like LAVA, no fraction when microseconds are 0."""
    return _as_utc(value).isoformat()


# --- payloads ----------------------------------------------------------------------------


def job_payload(
    job: TestJob, *, submitter: str, device_type: str | None, worker: str | None
) -> dict[str, Any]:
    """The ``.testjob`` payload of ``job``.

    ``submitter`` is the submitter's username, ``device_type`` the requested device type
    (None when the job requested none), ``worker`` the hostname of the worker of the job's
    device (ignored while no device is assigned).
    """
    data: dict[str, Any] = {
        "health": JobHealth(job.health).display,
        "state": JobState(job.state).display,
        "job": job.id,
        "description": job.description,
        "priority": job.priority,
        "submit_time": _iso(job.submit_time),
        "submitter": submitter,
        "health_check": job.health_check,
    }
    if job.target_group:
        data["sub_id"] = job.sub_id
    if job.actual_device_id is not None:
        data["device"] = job.actual_device_id
        if worker is not None:
            data["worker"] = worker
    if device_type is not None:
        data["device_type"] = device_type
    if job.start_time is not None:
        data["start_time"] = _iso(job.start_time)
    if job.end_time is not None:
        data["end_time"] = _iso(job.end_time)
    return data


def device_payload(device: Device, *, current_job_id: int | str | None) -> dict[str, Any]:
    """The ``.device`` payload of ``device``.

    ``current_job_id`` is the display id (int id, or the multinode sub_id) of the device's
    unfinished job, or None when it has none.
    """
    data: dict[str, Any] = {
        "health": DeviceHealth(device.health).display,
        "state": DeviceState(device.state).display,
        "device": device.hostname,
        "device_type": device.device_type_id,
        "worker": device.worker_host_id,
    }
    if current_job_id is not None:
        data["job"] = current_job_id
    return data


def worker_payload(worker: Worker) -> dict[str, Any]:
    """The ``.worker`` payload of ``worker``."""
    return {
        "hostname": worker.hostname,
        "health": WorkerHealth(worker.health).display,
        "state": WorkerState(worker.state).display,
    }


def test_event_payload(job_id: int, message: str) -> dict[str, Any]:
    """The ``.event`` payload of a test-shell message of job ``job_id``."""
    return {"message": message, "job": job_id}


test_event_payload.__test__ = False  # type: ignore[attr-defined]  # pytest must not collect it


# --- event constructors ------------------------------------------------------------------


def job_event(
    job: TestJob,
    *,
    submitter: str,
    device_type: str | None,
    worker: str | None,
    timestamp: dt.datetime,
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> Event:
    """A ``.testjob`` event for ``job`` (arguments as for ``job_payload``) from its submitter."""
    data = job_payload(job, submitter=submitter, device_type=device_type, worker=worker)
    return _new_event(EventKind.TESTJOB, submitter, data, timestamp, topic_prefix)


def device_event(
    device: Device,
    *,
    current_job_id: int | str | None,
    timestamp: dt.datetime,
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> Event:
    """A ``.device`` event for ``device`` (arguments as for ``device_payload``)."""
    data = device_payload(device, current_job_id=current_job_id)
    return _new_event(EventKind.DEVICE, SERVER_USERNAME, data, timestamp, topic_prefix)


class DeviceStatus(NamedTuple):
    """What a ``.device`` payload says of its device."""

    state: DeviceState
    health: DeviceHealth
    current_job: str | None


def device_status(data: dict[str, Any]) -> DeviceStatus:
    """The state, health and current job (its id or sub id) a ``.device`` payload gives."""
    job = data.get("job")
    return DeviceStatus(
        DeviceState.from_display(data["state"]),
        DeviceHealth.from_display(data["health"]),
        None if job is None else str(job),
    )


def worker_event(
    worker: Worker, *, timestamp: dt.datetime, topic_prefix: str = DEFAULT_TOPIC_PREFIX
) -> Event:
    """A ``.worker`` event for ``worker``."""
    data = worker_payload(worker)
    return _new_event(EventKind.WORKER, SERVER_USERNAME, data, timestamp, topic_prefix)


def test_shell_event(
    job_id: int,
    message: str,
    *,
    timestamp: dt.datetime,
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
) -> Event:
    """An ``.event`` event: the test shell of job ``job_id`` ran ``lava-test-event message``."""
    data = test_event_payload(job_id, message)
    return _new_event(EventKind.EVENT, SERVER_USERNAME, data, timestamp, topic_prefix)


test_shell_event.__test__ = False  # type: ignore[attr-defined]  # pytest must not collect it


def _new_event(
    kind: EventKind, username: str, data: dict[str, Any], timestamp: dt.datetime, prefix: str
) -> Event:
    """An event with a fresh time-based (version 1) uuid, as LAVA's producers make."""
    return Event(
        topic=f"{prefix}.{kind}",
        uuid=str(uuid1()),
        timestamp=timestamp,
        username=username,
        data=data,
    )


# --- decoding ----------------------------------------------------------------------------


def decode(frames: list[bytes], *, topic_prefix: str) -> Event:
    """The event carried by ``frames``; raises MalformedEvent unless LAVA could have sent them."""
    if len(frames) != FRAME_COUNT:
        raise MalformedEvent(f"expected {FRAME_COUNT} frames, got {len(frames)}")
    topic, message_id, created, username, payload = _texts(frames)
    kind = _topic_kind(topic, topic_prefix)
    event = Event(
        topic=topic,
        uuid=_uuid1_text(message_id),
        timestamp=_frame_timestamp(created),
        username=username,
        data=_json_object(payload),
    )
    _check_payload(kind, event.data)
    expected = event.data["submitter"] if kind is EventKind.TESTJOB else SERVER_USERNAME
    if username != expected:
        raise MalformedEvent(f"username frame does not fit the {kind} event")
    return event


def _texts(frames: list[bytes]) -> list[str]:
    texts = []
    for number, frame in enumerate(frames, start=1):
        try:
            texts.append(frame.decode("utf-8"))
        except UnicodeDecodeError:
            raise MalformedEvent(f"frame {number} is not UTF-8") from None
    return texts


def _topic_kind(topic: str, prefix: str) -> EventKind:
    head, dot, suffix = topic.rpartition(".")
    if dot and head == prefix and suffix in _KIND_NAMES:
        return EventKind(suffix)
    raise MalformedEvent(f"unknown topic {topic[:100]!r}")


def _uuid1_text(text: str) -> str:
    try:
        parsed = UUID(text)
    except ValueError:
        raise MalformedEvent("bad uuid") from None
    if str(parsed) != text or parsed.version != 1:
        raise MalformedEvent("bad uuid: not a canonical version 1 uuid")
    return text


def _frame_timestamp(text: str) -> dt.datetime:
    value = _parse_utc(text, offset_required=False)
    if value is None:
        raise MalformedEvent("bad datetime")
    return value


def _parse_utc(text: str, *, offset_required: bool) -> dt.datetime | None:
    """A LAVA UTC time, ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` then ``+00:00`` (optional or not)."""
    body = text.removesuffix(_UTC_OFFSET)
    if (offset_required and body == text) or not _TIME_BODY.fullmatch(body):
        return None
    try:
        return dt.datetime.fromisoformat(body).replace(tzinfo=UTC)
    except ValueError:
        return None


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        raise MalformedEvent("data is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEvent("data is not a JSON object")
    return data


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key")
    return data


# --- payload rules -----------------------------------------------------------------------

Check = Callable[[Any], bool]


class _Schema(NamedTuple):
    required: dict[str, Check]
    optional: dict[str, Check]


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_priority(value: Any) -> bool:
    return _is_int(value) and 0 <= value <= 100


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and _parse_utc(value, offset_required=True) is not None


def _is_str_or_null(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_job_display_id(value: Any) -> bool:
    return _is_int(value) or isinstance(value, str)


def _display_of(labels: type[LabEnum]) -> Check:
    names = frozenset(member.display for member in labels)
    return lambda value: isinstance(value, str) and value in names


_SCHEMAS: dict[EventKind, _Schema] = {
    EventKind.TESTJOB: _Schema(
        required={
            "health": _display_of(JobHealth),
            "state": _display_of(JobState),
            "job": _is_int,
            "description": _is_str_or_null,
            "priority": _is_priority,
            "submit_time": _is_time,
            "submitter": _is_str,
            "health_check": _is_bool,
        },
        optional={
            "sub_id": _is_str,
            "device": _is_str,
            "worker": _is_str,
            "device_type": _is_str,
            "start_time": _is_time,
            "end_time": _is_time,
        },
    ),
    EventKind.DEVICE: _Schema(
        required={
            "health": _display_of(DeviceHealth),
            "state": _display_of(DeviceState),
            "device": _is_str,
            "device_type": _is_str,
            "worker": _is_str_or_null,
        },
        optional={"job": _is_job_display_id},
    ),
    EventKind.WORKER: _Schema(
        required={
            "hostname": _is_str,
            "health": _display_of(WorkerHealth),
            "state": _display_of(WorkerState),
        },
        optional={},
    ),
    EventKind.EVENT: _Schema(required={"message": _is_str, "job": _is_int}, optional={}),
}


def _check_payload(kind: EventKind, data: dict[str, Any]) -> None:
    """Required keys present; every known key of the right type. Unknown keys are allowed."""
    schema = _SCHEMAS[kind]
    for key in schema.required:
        if key not in data:
            raise MalformedEvent(f"{kind} payload lacks {key!r}")
    for key, check in (schema.required | schema.optional).items():
        if key in data and not check(data[key]):
            raise MalformedEvent(f"{kind} payload has a bad {key!r}")
