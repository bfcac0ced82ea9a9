"""Callbacks against a real HTTP server on loopback: what arrives, what is refused without
a request, and how a 500 or a time-out is retried through the queue and then failed."""

from __future__ import annotations

import asyncio
import json

import pytest

from gql_server.config import Settings
from gql_server.notify.callback import CallbackSender, forbidden_address, host_is_listed
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.notify.queue import deliver_due, enqueue
from tests.support.notify_queue import T0, queue_sessions, rows, seconds
from tests.support.notify_servers import HookServer

SECRET = "cb-secret-123"
SETTINGS = Settings(callback_allowed_hosts="127.0.0.1", callback_timeout_seconds=0.5)


@pytest.fixture
def hooks():
    server = HookServer()
    yield server
    server.stop()


def _post(data: dict) -> dict:
    return {
        "method": "POST",
        "headers": {"Authorization": SECRET, "Content-Type": "application/json"},
        "body": json.dumps(data),
    }


def test_a_post_arrives_with_its_headers_and_body(hooks):
    asyncio.run(CallbackSender(SETTINGS)(hooks.url("/ok?job=42"), _post({"id": 42})))
    [hit] = hooks.hits
    assert (hit.method, hit.path) == ("POST", "/ok?job=42")
    assert hit.headers["Authorization"] == SECRET
    assert hit.headers["Content-Type"] == "application/json"
    assert json.loads(hit.body) == {"id": 42}


def test_a_get_has_no_body(hooks):
    message = {"method": "GET", "headers": {"X-Token": SECRET}, "body": "ignored"}
    asyncio.run(CallbackSender(SETTINGS)(hooks.url("/ok"), message))
    [hit] = hooks.hits
    assert (hit.method, hit.headers["X-Token"], hit.body) == ("GET", SECRET, b"")


def test_failures_keep_the_status_only_and_never_follow_a_redirect(hooks):
    sender = CallbackSender(SETTINGS)
    with pytest.raises(DeliveryError) as moved:
        asyncio.run(sender(hooks.url("/moved"), _post({})))
    with pytest.raises(DeliveryError) as failed:
        asyncio.run(sender(hooks.url("/fail"), _post({})))
    assert (str(moved.value), str(failed.value)) == (
        "callback answered HTTP 302",
        "callback answered HTTP 500",
    )
    assert [hit.path for hit in hooks.hits] == ["/moved", "/fail"]


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        ("127.0.0.1", "http://localhost:{port}/ok"),  # not on the list
        ("*", "http://169.254.169.254/latest/meta-data/"),  # metadata, even with *
        ("169.254.10.1", "http://169.254.10.1:{port}/ok"),  # link-local, even listed
        ("*", "http://[fe80::1]:{port}/ok"),
        ("*", "http://[::ffff:169.254.169.254]/"),
        ("*", "http://metadata.google.internal/"),
        ("*", "file:///etc/passwd"),
    ],
)
def test_a_refused_host_is_permanent_and_gets_no_request(hooks, allowed, url):
    settings = Settings(callback_allowed_hosts=allowed, callback_timeout_seconds=0.5)
    with pytest.raises(PermanentDeliveryError, match="refused"):
        asyncio.run(CallbackSender(settings)(url.format(port=hooks.port), _post({})))
    assert hooks.hits == []


def test_allow_list_matching():
    allowed = ["ci.example.com", ".lab.example.org"]
    assert host_is_listed("CI.example.com", allowed)
    assert host_is_listed("a.lab.example.org", allowed)
    assert host_is_listed("lab.example.org.", allowed)
    assert not host_is_listed("evil-ci.example.com", allowed)
    assert not host_is_listed("lab.example.org.evil.com", allowed)
    assert not host_is_listed("anything", [])
    assert forbidden_address("fe80::1%2")
    assert not forbidden_address("127.0.0.1")


def test_a_500_and_a_time_out_are_retried_then_failed(hooks, tmp_path):
    settings = Settings(
        callback_allowed_hosts="127.0.0.1",
        callback_timeout_seconds=0.5,
        notify_retry_limit=2,
        notify_backoff_seconds=60.0,
    )
    senders = {"callback": CallbackSender(settings)}
    url = f"sqlite+aiosqlite:///{tmp_path / 'queue.sqlite3'}"

    async def scenario():
        async with queue_sessions(url) as sessions:
            async with sessions() as session:
                for path in ("/fail", "/slow", "/ok"):
                    await enqueue(
                        session,
                        job_id=42,
                        event="finished",
                        kind="callback",
                        target=hooks.url(path),
                        message=_post({"id": 42}),
                        now=T0,
                    )
                await session.commit()
            first = await deliver_due(sessions, settings, senders, now=T0)
            between = await rows(sessions)
            second = await deliver_due(sessions, settings, senders, now=T0 + seconds(60))
            return first, between, second, await rows(sessions)

    first, between, second, final = asyncio.run(scenario())
    assert (first, second) == (3, 2)
    assert [(r.status, r.attempts) for r in between] == [
        ("pending", 1),
        ("pending", 1),
        ("sent", 1),
    ]
    assert [(r.status, r.attempts, r.last_error) for r in final] == [
        ("failed", 2, "callback answered HTTP 500"),
        ("failed", 2, "callback timed out after 0.5 s"),
        ("sent", 1, None),
    ]
    assert sorted(hit.path for hit in hooks.hits) == ["/fail", "/fail", "/ok", "/slow", "/slow"]
    assert all(hit.headers["Authorization"] == SECRET for hit in hooks.hits)
