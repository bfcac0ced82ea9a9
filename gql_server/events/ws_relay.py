"""``/ws/``: LAVA's websocket relay of the event stream, filtered per client as in LAVA master.

Each event is one text frame: the JSON array of its five ZMQ frames as strings. A client
is classified from its upgrade request (LAVA master, since 2023.02): with an Authorization
header it is that user, and gets the events of the jobs, devices and workers the user may
see; with ``LAVA-Token`` and ``LAVA-Host`` it is that worker, and gets the ``.testjob``
events naming it; otherwise it is anonymous, and gets what anonymous users may see (every
job's events when ``open_stream_private_jobs`` is set). Test-shell ``.event`` messages are
not relayed. A refusal is one ``{"error": ...}`` frame, then the socket is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from gql_server.config import Settings
from gql_server.events.hub import Hub, Started, SubscriberTooSlow
from gql_server.events.selectors import Select
from gql_server.events.wire import Event, EventKind, encode
from gql_server.http_auth import Credentials, MalformedAuthorization, parse_authorization
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import ANONYMOUS, RequestContext
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.subscriptions import Published, check_worker_token
from gql_server.resolvers.users import authenticate

RELAYED_KINDS = frozenset({EventKind.TESTJOB, EventKind.DEVICE, EventKind.WORKER})
ONLY_BASIC = "Only Basic authentication is supported"
INVALID_BASIC = "Invalid basic authentication"
CLOSE_REFUSED = 1008
CLOSE_TOO_SLOW = 1013


class Refused(Exception):
    """The client may not listen; the message is LAVA's error text."""


def frame_text(event: Event) -> str:
    """The text frame LAVA's relay sends for ``event``."""
    return json.dumps([frame.decode("utf-8") for frame in encode(event)])


def _relayed(item: Published) -> bool:
    return item.kind in RELAYED_KINDS


def _for_worker(hostname: str) -> Select:
    async def select(batch: list[Published]) -> list[Published]:
        return [
            item
            for item in batch
            if item.kind == EventKind.TESTJOB and item.event.data.get("worker") == hostname
        ]

    return select


def _user_credentials(header: str) -> Credentials:
    try:
        credentials = parse_authorization(header)
    except MalformedAuthorization as exc:
        basic = header.strip().partition(" ")[0].lower() == "basic"
        raise Refused(INVALID_BASIC if basic else ONLY_BASIC) from exc
    if credentials is None:
        raise Refused(ONLY_BASIC)
    return credentials


async def healthz(_request: Request) -> JSONResponse:
    """LAVA master's relay health probe."""
    return JSONResponse({"health": "good"})


class EventRelay:
    """Serves ``/ws/`` from the process's hub."""

    def __init__(
        self, hub: Hub, sessions: async_sessionmaker, changes: ChangeCounter, settings: Settings
    ) -> None:
        self.hub = hub
        self.sessions = sessions
        self.changes = changes
        self.settings = settings

    async def serve(self, websocket: WebSocket) -> None:
        """Classify the client and subscribe it, then accept: events that follow the
        handshake reach the client. Relay them until it leaves."""
        try:
            select = await self._classify(websocket.headers)
        except Refused as exc:
            await websocket.accept()
            await _close(websocket, str(exc), CLOSE_REFUSED)
            return
        stream = self.hub.stream(select)
        async with contextlib.aclosing(stream):  # type: ignore[type-var]
            await anext(stream)  # Started: the client is subscribed
            await websocket.accept()
            tasks = {
                asyncio.create_task(_relay(websocket, stream)),
                asyncio.create_task(_until_disconnected(websocket)),
            }
            try:
                done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    async def _classify(self, headers: Headers) -> Select:
        ctx = RequestContext(self.sessions, ANONYMOUS, self.changes, self.settings.event_topic)
        try:
            if "authorization" in headers:
                credentials = _user_credentials(headers["authorization"])
                try:
                    ctx.viewer = await authenticate(ctx, credentials.secret, credentials.username)
                except Unauthenticated as exc:
                    raise Refused("Unknown user") from exc
                return self.hub.visibility.selector(ctx, _relayed)
            if "lava-token" in headers:
                hostname = headers.get("lava-host", "")
                try:
                    await check_worker_token(ctx, hostname, headers["lava-token"])
                except Unauthenticated as exc:
                    raise Refused(exc.message) from exc
                return _for_worker(hostname)
            return self.hub.visibility.selector(
                ctx, _relayed, every_job=self.settings.open_stream_private_jobs
            )
        finally:
            await ctx.close()


async def _relay(websocket: WebSocket, stream: AsyncIterator[Started | Published]) -> None:
    try:
        async for item in stream:
            if isinstance(item, Published):
                await websocket.send_text(frame_text(item.event))
    except SubscriberTooSlow as exc:
        await _close(websocket, exc.message, CLOSE_TOO_SLOW)
    except WebSocketDisconnect:
        pass  # the client left while an event was on its way


async def _until_disconnected(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass  # what clients send is ignored, as by LAVA


async def _close(websocket: WebSocket, error: str, code: int) -> None:
    await websocket.send_text(json.dumps({"error": error}))
    await websocket.close(code)
