"""``Device.healthHistory``: a device's published ``.device`` events, newest first, read
from an index; its newest cursor, or its stream cursor, resumes ``deviceEvents`` with no
gap and no repeat; a hidden device has none; the statements it costs do not grow with the
page size or the number of devices."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.models import Device
from gql_server.lab.enums import DeviceHealth
from gql_server.resolvers.context import ANONYMOUS, RequestContext, Viewer
from gql_server.resolvers.device_history import history_by_device
from tests.support.live import flip_device, graphql_socket, token_params, wait_for

DEVICE = "history-01"
SECRET_DEVICE = "vis-secret-01"  # its type is view-restricted (tests/support/scenario.py)
HISTORY = """
query ($h: String!, $first: Int!, $after: String) { device(hostname: $h) {
  healthHistory(first: $first, after: $after) {
    totalCount streamCursor
    pageInfo { hasNextPage endCursor }
    nodes { cursor timestamp state health currentJob }
  }
} }
"""
DEVICE_EVENTS = (
    "subscription ($h: String, $after: String) { deviceEvents(hostname: $h, after: $after) {"
    " __typename cursor ... on DeviceEvent { health } } }"
)
LIST = """
query ($devices: Int!, $first: Int!) { devices(first: $devices) { nodes {
  hostname healthHistory(first: $first) { nodes { cursor health } }
} } }
"""


@pytest.fixture(scope="module")
def device(lab) -> str:
    """A device of its own in the shared lab, so that no other test changes its history."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        if session.get(Device, DEVICE) is None:
            session.add(
                Device(
                    hostname=DEVICE, device_type_id="vis-public-type", health=int(DeviceHealth.GOOD)
                )
            )
            session.commit()
    engine.dispose()
    return DEVICE


def history(lab, hostname: str, first: int = 20, after: str | None = None) -> dict:
    variables = {"h": hostname, "first": first, "after": after}
    return lab.client.execute(HISTORY, variables)["device"]["healthHistory"]


def flip_and_wait(lab, hostname: str, times: int) -> list[str]:
    """Change the device's health ``times`` times; wait until the history shows them all."""
    before = history(lab, hostname, 0)["totalCount"]
    healths = flip_device(lab.client, lab.tokens["vis-admin"], hostname, times)
    wait_for(
        lambda: history(lab, hostname, 0)["totalCount"] == before + times,
        "the changes in the history",
    )
    return healths


def test_the_history_lists_the_changes_newest_first(lab, device):
    healths = flip_and_wait(lab, device, 3)
    page = history(lab, device, 2)
    older = history(lab, device, 1, page["pageInfo"]["endCursor"])
    entries = page["nodes"] + older["nodes"]
    assert [entry["health"] for entry in entries] == healths[::-1]
    assert {(entry["state"], entry["currentJob"]) for entry in entries} == {("IDLE", None)}
    cursors = [int(entry["cursor"]) for entry in entries]
    assert cursors == sorted(cursors, reverse=True) and len(set(cursors)) == 3
    times = [entry["timestamp"] for entry in entries]
    assert times == sorted(times, reverse=True)
    assert page["pageInfo"] == {"hasNextPage": True, "endCursor": str(cursors[1])}


def test_the_newest_cursor_resumes_the_subscription_with_no_gap_and_no_repeat(lab, device):
    flip_and_wait(lab, device, 1)
    newest = history(lab, device, 1)["nodes"][0]["cursor"]
    token = lab.tokens["vis-admin"]
    missed = flip_device(lab.client, token, device, 1)
    with graphql_socket(lab.server.base_url, token_params(token)) as socket:
        started = socket.subscribe(DEVICE_EVENTS, {"h": device, "after": newest})
        assert started == {"__typename": "SubscriptionStarted", "cursor": newest}
        replayed = socket.next()
        live = flip_device(lab.client, token, device, 1)
        followed = socket.next()
    assert [replayed["health"], followed["health"]] == missed + live
    shown = wait_for(lambda: history(lab, device, 3)["nodes"][:2], "the two in the history")
    assert [entry["cursor"] for entry in shown] == [followed["cursor"], replayed["cursor"]]
    assert int(replayed["cursor"]) > int(newest)


def test_the_stream_cursor_follows_a_quiet_device_from_the_read(lab, device):
    flip_and_wait(lab, device, 1)
    token = lab.tokens["vis-admin"]
    flip_device(lab.client, token, "vis-public-01", 2)  # the lab moves on, not the device
    newest = history(lab, device, 1)["nodes"][0]["cursor"]

    def stream_cursor() -> str | None:
        cursor = history(lab, device, 1)["streamCursor"]
        return cursor if int(cursor) >= int(newest) + 2 else None

    stream = wait_for(stream_cursor, "the other device's events published")
    assert history(lab, device, 1)["nodes"][0]["cursor"] == newest
    with graphql_socket(lab.server.base_url, token_params(token)) as socket:
        started = socket.subscribe(DEVICE_EVENTS, {"h": device, "after": stream})
        changed = flip_device(lab.client, token, device, 1)
        event = socket.next()
    assert started["cursor"] == stream
    assert event["health"] == changed[0] and int(event["cursor"]) > int(stream)
    assert history(lab, device, 1)["nodes"][0]["cursor"] == event["cursor"]


def _histories(lab, viewer: Viewer, hostnames: list[str]) -> dict[str, tuple[int, int]]:
    """Each device's (entries on the first page, total) as ``viewer`` asks the resolver."""

    async def run() -> dict[str, tuple[int, int]]:
        engine = create_engine(lab.database_url)
        ctx = RequestContext(session_factory(engine), viewer)
        try:
            found = await history_by_device(ctx, hostnames, 5, None)
            return {
                name: (len(history.page.items), await history.page.count())
                for name, history in found.items()
            }
        finally:
            await ctx.close()
            await engine.dispose()

    return asyncio.run(run())


def test_a_hidden_device_has_no_history(lab, device):
    flip_and_wait(lab, device, 1)
    flips = flip_device(lab.client, lab.tokens["vis-admin"], SECRET_DEVICE, 2)
    assert flips[-1] == "GOOD"  # as the scenario left it
    hostnames = [SECRET_DEVICE, device]

    def seen_by_a_superuser() -> dict[str, tuple[int, int]] | None:
        seen = _histories(lab, Viewer(is_superuser=True), hostnames)
        return seen if seen[SECRET_DEVICE][1] >= 2 else None

    everything = wait_for(seen_by_a_superuser, "the secret device's changes")
    assert everything[SECRET_DEVICE][0] >= 2 and everything[device][0] >= 1
    anonymous = _histories(lab, ANONYMOUS, hostnames)
    assert anonymous == {SECRET_DEVICE: (0, 0), device: everything[device]}


def test_bad_arguments_are_refused(lab, device):
    for variables in ({"first": 101}, {"first": -1}, {"first": 5, "after": "not-a-cursor"}):
        errors = lab.client.errors(HISTORY, {"h": device, "after": None, **variables})
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors


def _statements(lab, query: str, variables: dict) -> int:
    """Statements of a request with the lab's shared caches warm: the fewer of two runs."""
    counts = []
    for _ in range(2):
        lab.client.execute(query, variables)
        counts.append(lab.client.last_statements)
    return min(counts)


def test_the_statements_do_not_grow_with_first_or_with_the_devices(lab, device):
    flip_and_wait(lab, device, 3)
    one = _statements(lab, HISTORY, {"h": device, "first": 1})
    many = _statements(lab, HISTORY, {"h": device, "first": 50})
    assert one == many
    assert len(history(lab, device, 50)["nodes"]) > len(history(lab, device, 1)["nodes"])
    few = _statements(lab, LIST, {"devices": 2, "first": 1})
    lots = _statements(lab, LIST, {"devices": 50, "first": 20})
    assert few == lots
