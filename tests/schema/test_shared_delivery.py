"""Shared delivery: a subscriber whose event another subscriber with the same selection
and viewer already executed is sent its ``next`` frame directly, without strawberry's
per-result pipeline. The frame must be the normal path's, byte for byte, and visibility
must hold as on the normal path."""

from __future__ import annotations

import contextlib
import json

from graphql import ExecutionResult

from gql_server.schema.shared_execution import (
    Delivery,
    EncodedMessage,
    SharedResults,
    encode_message,
    shared_next,
)
from tests.resolvers.test_visibility import EXPECTED
from tests.support.live import (
    DEADLINE_S,
    KEEP_ALIVES,
    GraphQLSocket,
    flip_device,
    graphql_socket,
    record_job_event,
    token_params,
)

DEVICE = "vis-public-01"
DEVICE_EVENTS = (
    "subscription ($h: String) { deviceEvents(hostname: $h) { __typename cursor"
    " ... on DeviceEvent { topic messageId timestamp username data hostname health state } } }"
)
JOB_EVENTS = "subscription { jobEvents { cursor ... on JobEvent { jobId state } } }"
SAME_VIEWER_COPIES = 3
"""Subscribers of one selection and viewer: the first to meet an event executes it, the
others take the direct path."""


async def _send_nothing(message: EncodedMessage) -> None:
    raise AssertionError("not sent in this test")


def _kept(shared: SharedResults, cursor: str, key: object, result: ExecutionResult) -> None:
    shared.keep((cursor, key), result)


def test_the_direct_frame_is_the_normal_paths_frame_with_its_own_id():
    shared = SharedResults()
    data = {"deviceEvents": {"cursor": "7", "health": "GOOD", "note": 'a "quoted" é'}}
    _kept(shared, "7", "key", ExecutionResult(data=data))
    for operation_id in ("1", 'op "2"', "ü"):
        normal = {"id": operation_id, "type": "next", "payload": {"data": data}}
        direct = shared_next(Delivery(operation_id, _send_nothing, "key"), shared, "7")
        assert direct is not None and direct == encode_message(normal, shared)
        assert json.loads(direct) == normal
        assert list(json.loads(direct)) == ["id", "type", "payload"]


def test_no_direct_frame_without_a_clean_shared_result():
    shared = SharedResults()
    delivery = Delivery("1", _send_nothing, "key")
    assert shared_next(delivery, shared, "7") is None  # nobody executed it yet
    assert shared_next(None, shared, "7") is None  # not over graphql-transport-ws
    _kept(shared, "8", "key", ExecutionResult(data=None, errors=[]))
    _kept(shared, "9", "key", ExecutionResult(data={"x": 1}, extensions={"cost": 1}))
    assert shared_next(delivery, shared, "8") is None
    assert shared_next(delivery, shared, "9") is None
    _kept(shared, "10", "other key", ExecutionResult(data={"x": 1}))
    assert shared_next(delivery, shared, "10") is None  # another selection or viewer
    assert shared_next(Delivery("1", _send_nothing), shared, "10") is None  # key not known yet


def _raw_next(socket: GraphQLSocket) -> str:
    """The text of the socket's next message other than a keep-alive."""
    while True:
        text = socket.ws.recv(timeout=DEADLINE_S)
        if json.loads(text)["type"] not in KEEP_ALIVES:
            return text


def test_every_subscriber_gets_the_same_frame_but_for_its_id(lab):
    """Several subscribers of one selection per viewer (some on the direct path), with ids
    that JSON must escape, and subscribers of other viewers."""
    viewers = {"admin": lab.tokens["vis-admin"], "owner": lab.tokens["vis-owner"], "anon": None}
    ids = ["1", 'op "2"', "ü-3"]
    with contextlib.ExitStack() as stack:
        sockets = []
        for name, token in viewers.items():
            for copy in range(SAME_VIEWER_COPIES):
                params = token_params(token) if token else {}
                socket = stack.enter_context(graphql_socket(lab.server.base_url, params))
                socket.subscribe(DEVICE_EVENTS, {"h": DEVICE}, id=ids[copy])
                sockets.append((name, ids[copy], socket))
        flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 2)
        frames = [(name, id, [_raw_next(socket) for _ in range(2)]) for name, id, socket in sockets]
    reference = frames[0][2]
    for name, id, texts in frames:
        for text, expected in zip(texts, reference, strict=True):
            message = json.loads(expected)
            message["id"] = id
            assert text == json.dumps(message, separators=(",", ":")), (name, id)
    first, second = (json.loads(text)["payload"]["data"]["deviceEvents"] for text in reference)
    assert first["hostname"] == second["hostname"] == DEVICE
    assert int(second["cursor"]) > int(first["cursor"])


def test_a_private_jobs_events_reach_only_those_who_may_see_it_on_the_direct_path(lab):
    """As on the normal path, with several subscribers of each viewer sharing each event:
    the public job's event comes last, so whatever was withheld was withheld for good."""
    order = ("personal_job", "group_job", "secret_type_job", "public_job")
    received: dict[str | None, list[list[int]]] = {}
    with contextlib.ExitStack() as stack:
        sockets = []
        for viewer in EXPECTED:
            for _ in range(SAME_VIEWER_COPIES):
                params = {"token": lab.tokens[viewer]} if viewer else {}
                socket = stack.enter_context(graphql_socket(lab.server.base_url, params))
                socket.subscribe(JOB_EVENTS)
                sockets.append((viewer, socket))
        for job in order:
            record_job_event(lab.sync_url, getattr(lab.scenario, job))
        for viewer, socket in sockets:
            jobs: list[int] = []
            while not jobs or jobs[-1] != lab.scenario.public_job:
                jobs.append(socket.next()["jobId"])
            received.setdefault(viewer, []).append(jobs)
    for viewer, copies in received.items():
        expected = [getattr(lab.scenario, job) for job in order if job in EXPECTED[viewer]]
        assert copies == [expected] * SAME_VIEWER_COPIES, viewer


def test_a_completed_operation_gets_no_more_frames(lab):
    """After the client's ``complete``, the direct path sends nothing more for its id: the
    next frame is that of the operation started after it."""
    params = token_params(lab.tokens["vis-admin"])
    with contextlib.ExitStack() as stack:
        sockets = [
            stack.enter_context(graphql_socket(lab.server.base_url, params))
            for _ in range(SAME_VIEWER_COPIES)
        ]
        for socket in sockets:
            socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})
            socket.stop()
            socket.subscribe(DEVICE_EVENTS, {"h": DEVICE}, id="again")
        (health,) = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        for socket in sockets:
            message = json.loads(_raw_next(socket))
            assert message["id"] == "again" and message["type"] == "next", message
            assert message["payload"]["data"]["deviceEvents"]["health"] == health
