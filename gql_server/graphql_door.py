"""The GraphQL door over HTTP: authentication, body limits, the result cache, strawberry."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from gql_server.config import Settings
from gql_server.db.engine import start_counting_statements
from gql_server.http_auth import MalformedAuthorization, parse_authorization
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import ANONYMOUS, RequestContext
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.users import authenticate
from gql_server.schema.build import build_schema
from gql_server.schema.context import GraphQLContext
from gql_server.schema.errors import coded
from gql_server.schema.result_cache import ResultCache, cacheable

STATEMENTS_HEADER = "x-sql-statements"


class GraphQLDoor(GraphQL):
    """Strawberry's ASGI view, handed the request context built before it runs."""

    async def get_context(self, request: Any, response: Any) -> GraphQLContext:
        return request.scope["state"]["graphql_context"]

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        return process_result(coded(result))


class BodyTooLarge(Exception):
    """A request body exceeded the configured limit."""


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class GraphQLEndpoint:
    """Authenticates, bounds the body, answers from the result cache or runs strawberry."""

    def __init__(self, settings: Settings, sessions: Any, changes: ChangeCounter) -> None:
        self.settings = settings
        self.sessions = sessions
        self.changes = changes
        self.cache = ResultCache(
            changes, settings.result_cache_seconds, settings.result_cache_entries
        )
        self.view = GraphQLDoor(build_schema(settings), graphql_ide="graphiql")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        counter = start_counting_statements()
        request = Request(scope)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            await _error(413, "request body too large", "BAD_REQUEST")(scope, receive, send)
            return
        ctx = RequestContext(self.sessions, ANONYMOUS, self.changes, self.settings.event_topic)
        try:
            await self._serve(ctx, scope, receive, self._with_count(send, counter))
        except (MalformedAuthorization, Unauthenticated) as exc:
            await _error(401, str(exc), "UNAUTHENTICATED")(scope, receive, send)
        except BodyTooLarge:
            await _error(413, "request body too large", "BAD_REQUEST")(scope, receive, send)
        finally:
            await ctx.close()

    async def _serve(self, ctx: RequestContext, scope: Scope, receive: Receive, send: Send) -> None:
        credentials = parse_authorization(Request(scope).headers.get("authorization"))
        if credentials is not None:
            ctx.viewer = await authenticate(ctx, credentials.secret, credentials.username)
        scope.setdefault("state", {})["graphql_context"] = GraphQLContext.for_request(ctx)
        if scope["method"] != "POST":
            await self.view(scope, receive, send)
            return
        body = await self._read_body(receive)
        replay = _replay(body)
        if not (self.cache.enabled and cacheable(body)):
            await self.view(scope, replay, send)
            return
        key = (ctx.viewer.user_id, body)
        cached = self.cache.get(key)
        if cached is None:
            running = self.cache.join(key)
            cached = await asyncio.shield(running) if running is not None else None
            if running is None:
                await self._compute_and_keep(key, scope, replay, send)
                return
        if cached is not None:
            await _json_bytes(cached)(scope, replay, send)
        else:
            await self.view(scope, replay, send)

    async def _compute_and_keep(
        self, key: tuple, scope: Scope, replay: Receive, send: Send
    ) -> None:
        version = self.changes.version
        captured = _Capture(send)
        body = None
        try:
            await self.view(scope, replay, captured)
            if captured.status == 200 and b'"errors"' not in captured.body:
                body = captured.body
        finally:
            self.cache.finish(key, body, version)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.settings.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _with_count(self, send: Send, counter: list[int]) -> Send:
        if not self.settings.expose_sql_statements:
            return send

        async def counting(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((STATEMENTS_HEADER.encode(), str(counter[0]).encode()))
                message = {**message, "headers": headers}
            await send(message)

        return counting


class _Capture:
    """Passes a response through while keeping its status and body."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.body = b""

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        await self.send(message)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _json_bytes(body: bytes) -> Response:
    return Response(body, media_type="application/json")
