"""GraphQL subscriptions over the websocket: live from the first message, per-viewer
visibility, filters, resuming from a cursor, authentication and limits."""

from __future__ import annotations

import contextlib
import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from gql_server.config import Settings
from tests.resolvers.test_visibility import EXPECTED
from tests.support.live import (
    LEGACY_WS,
    TRANSPORT_WS,
    flip_device,
    graphql_socket,
    published,
    record_job_event,
    record_test_shell_event,
    token_params,
    ws_url,
)

DEVICE = "vis-public-01"
DEVICE_EVENTS = (
    "subscription ($h: String, $after: String) { deviceEvents(hostname: $h, after: $after) {"
    " __typename cursor ... on SubscriptionStarted { live }"
    " ... on DeviceEvent { topic messageId timestamp username data hostname health state } } }"
)
JOB_EVENTS = (
    "subscription ($id: Int, $states: [JobState!]) { jobEvents(jobId: $id, states: $states) {"
    " __typename cursor ... on JobEvent { jobId state health submitter description deviceType"
    " device data } } }"
)


def admin(lab) -> dict:
    return token_params(lab.tokens["vis-admin"])


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
def test_a_change_made_after_the_first_message_reaches_the_subscriber(lab, protocol):
    with graphql_socket(lab.server.base_url, admin(lab), protocol) as socket:
        started = socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})
        assert started["__typename"] == "SubscriptionStarted" and started["live"] is True
        (health,) = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        event = socket.next()
    assert event["__typename"] == "DeviceEvent"
    assert int(event["cursor"]) > int(started["cursor"])
    assert event["topic"] == "org.lavasoftware.device" and event["username"] == "lavaserver"
    assert len(event["messageId"]) == 36 and event["timestamp"].endswith("+00:00")
    assert event["hostname"] == DEVICE and event["health"] == health
    assert event["data"]["device"] == DEVICE and event["data"]["health"] == health.title()


SELECTIONS = {
    "full": DEVICE_EVENTS,
    "narrow": "subscription ($h: String) { deviceEvents(hostname: $h) { cursor } }",
    "renamed": (
        "subscription Renamed($h: String) { deviceEvents(hostname: $h) {"
        " ... on DeviceEvent { where: hostname health } } }"
    ),
}


def test_subscribers_sharing_an_event_each_get_their_own_selection(lab):
    """Results are shared per (selection, variables, viewer); never across them."""
    with contextlib.ExitStack() as stack:
        sockets = []
        for name, query in [*SELECTIONS.items(), *SELECTIONS.items()]:
            socket = stack.enter_context(graphql_socket(lab.server.base_url, admin(lab)))
            socket.subscribe(query, {"h": DEVICE})
            sockets.append((name, socket))
        anonymous = stack.enter_context(graphql_socket(lab.server.base_url))
        anonymous.subscribe(SELECTIONS["narrow"], {"h": DEVICE})
        (health,) = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        received = [(name, socket.next()) for name, socket in sockets]
        anonymous_event = anonymous.next()
    cursor = received[0][1]["cursor"]
    for name, event in received:
        if name == "full":
            assert event["hostname"] == DEVICE and event["health"] == health
            assert event["cursor"] == cursor
        elif name == "narrow":
            assert event == {"cursor": cursor}
        else:
            assert event == {"where": DEVICE, "health": health}
    assert anonymous_event == {"cursor": cursor}


def test_resuming_after_a_cursor_replays_what_was_missed_then_goes_live(lab):
    token = lab.tokens["vis-admin"]
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})
        seen = flip_device(lab.client, token, DEVICE, 2)
        first = socket.take(2)
    assert [event["health"] for event in first] == seen
    resume_from = first[-1]["cursor"]
    missed = flip_device(lab.client, token, DEVICE, 3)
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        started = socket.subscribe(DEVICE_EVENTS, {"h": DEVICE, "after": resume_from})
        assert started == {"__typename": "SubscriptionStarted", "cursor": resume_from, "live": True}
        replayed = socket.take(3)
        live = flip_device(lab.client, token, DEVICE, 1)
        replayed.append(socket.next())
    assert [event["health"] for event in replayed] == missed + live
    cursors = [int(event["cursor"]) for event in replayed]
    assert cursors == published(lab.sync_url, "device", "device", DEVICE, int(resume_from))


def test_resuming_after_an_events_message_id(lab):
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        socket.subscribe(DEVICE_EVENTS, {"h": DEVICE})
        flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        seen = socket.next()
    missed = flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        socket.subscribe(DEVICE_EVENTS, {"h": DEVICE, "after": seen["messageId"]})
        event = socket.next()
    assert event["health"] == missed[0]
    assert int(event["cursor"]) > int(seen["cursor"])


def test_a_private_jobs_events_reach_only_those_who_may_see_it(lab):
    """Each viewer gets exactly the events of the jobs it may see: the public job's event
    comes last, so whatever was withheld before it was withheld for good."""
    order = ("personal_job", "group_job", "secret_type_job", "public_job")
    received = {}
    with contextlib.ExitStack() as stack:
        sockets = {}
        for viewer in EXPECTED:
            params = {"token": lab.tokens[viewer]} if viewer else {}
            sockets[viewer] = stack.enter_context(graphql_socket(lab.server.base_url, params))
            sockets[viewer].subscribe(JOB_EVENTS)
        for job in order:
            record_job_event(lab.sync_url, getattr(lab.scenario, job))
        for viewer, socket in sockets.items():
            jobs = []
            while not jobs or jobs[-1] != lab.scenario.public_job:
                jobs.append(socket.next()["jobId"])
            received[viewer] = jobs
    for viewer, jobs in received.items():
        expected = [getattr(lab.scenario, job) for job in order if job in EXPECTED[viewer]]
        assert jobs == expected, viewer


def test_job_events_by_job_and_state(lab):
    scenario = lab.scenario
    with graphql_socket(lab.server.base_url, token_params(lab.tokens["vis-owner"])) as socket:
        socket.subscribe(JOB_EVENTS, {"id": scenario.personal_job, "states": ["FINISHED"]})
        record_job_event(lab.sync_url, scenario.personal_job, state="RUNNING")
        record_job_event(lab.sync_url, scenario.public_job)
        record_job_event(lab.sync_url, scenario.personal_job)
        event = socket.next()
    assert event["__typename"] == "JobEvent" and event["jobId"] == scenario.personal_job
    assert (event["state"], event["health"]) == ("FINISHED", "COMPLETE")
    assert event["submitter"] == "vis-owner" and event["description"] == "vis-personal"
    assert event["deviceType"] == "vis-public-type" and event["device"] == DEVICE
    assert event["data"]["job"] == scenario.personal_job and event["data"]["state"] == "Finished"


def test_test_shell_events_of_visible_jobs(lab):
    scenario = lab.scenario
    query = (
        "subscription ($id: Int) { testShellEvents(jobId: $id) { cursor"
        " ... on TestShellEvent { jobId message username } } }"
    )
    with graphql_socket(lab.server.base_url, token_params(lab.tokens["vis-outsider"])) as socket:
        socket.subscribe(query)
        record_test_shell_event(lab.sync_url, scenario.personal_job, "private boot")
        record_test_shell_event(lab.sync_url, scenario.public_job, "public boot")
        event = socket.next()
    assert event["jobId"] == scenario.public_job and event["message"] == "public boot"
    assert event["username"] == "lavaserver"


def test_events_by_topic_prefix(lab):
    query = (
        'subscription { events(topicPrefix: "org.lavasoftware.dev") { __typename'
        " ... on LabEvent { topic } } }"
    )
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        socket.subscribe(query)
        record_test_shell_event(lab.sync_url, lab.scenario.public_job, "not a device")
        flip_device(lab.client, lab.tokens["vis-admin"], DEVICE, 1)
        event = socket.next()
    assert event == {"__typename": "DeviceEvent", "topic": "org.lavasoftware.device"}


def test_an_unknown_cursor_is_refused_before_the_subscription_starts(lab):
    with graphql_socket(lab.server.base_url) as socket:
        socket.send(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": 'subscription { events(after: "999999999") { cursor } }'},
            }
        )
        message = socket.receive()
    assert message["type"] == "error" and message["id"] == "1"
    assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_queries_go_over_http_and_subscriptions_over_the_websocket(lab):
    with graphql_socket(lab.server.base_url, admin(lab)) as socket:
        socket.send(
            {"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { username } }"}}
        )
        message = socket.receive()
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    (error,) = lab.client.errors("subscription { events { cursor } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_subscriptions_per_connection_are_bounded(lab):
    with graphql_socket(lab.server.base_url) as socket:
        for number in range(Settings().max_subscriptions_per_connection):
            socket.subscribe("subscription { workerEvents { cursor } }", id=str(number))
        socket.send(
            {
                "id": "21",
                "type": "subscribe",
                "payload": {"query": "subscription { events { cursor } }"},
            }
        )
        message = socket.receive()
    assert message["type"] == "error" and message["id"] == "21"
    assert "limit" in message["payload"][0]["message"]


@pytest.mark.parametrize(
    "params", [{"token": "not-a-token"}, {"Authorization": "Token nope"}, {"Authorization": 1}]
)
def test_a_bad_token_is_refused_with_4403(lab, params):
    with connect(
        ws_url(lab.server.base_url, "/graphql"),
        subprotocols=[Subprotocol(TRANSPORT_WS)],
        proxy=None,
    ) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": params}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4403


def test_the_upgrade_requests_authorization_header_authenticates_too(lab):
    headers = {"Authorization": f"Token {lab.tokens['vis-owner']}"}
    with graphql_socket(lab.server.base_url, headers=headers) as socket:
        socket.subscribe(JOB_EVENTS, {"id": lab.scenario.personal_job})
        record_job_event(lab.sync_url, lab.scenario.personal_job)
        assert socket.next()["jobId"] == lab.scenario.personal_job
