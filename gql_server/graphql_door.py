"""The GraphQL door: over HTTP (authentication, body limits, the result cache) and over a
websocket (subscriptions, authenticated in ``connection_init``), both through strawberry."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gql_server.config import Settings
from gql_server.db.engine import start_counting_statements
from gql_server.events.hub import Hub
from gql_server.http_auth import Credentials, MalformedAuthorization, parse_authorization
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import ANONYMOUS, RequestContext
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.users import authenticate
from gql_server.schema.build import build_schema
from gql_server.schema.context import GraphQLContext
from gql_server.schema.errors import coded
from gql_server.schema.loaders import Loaders
from gql_server.schema.result_cache import ResultCache, cacheable
from gql_server.schema.shared_execution import (
    DELIVERY,
    Delivery,
    EncodedMessage,
    SharedResults,
    encode_message,
)
from gql_server.schema.subscription import SocketContext

STATEMENTS_HEADER = "x-sql-statements"
CONNECTION_INIT_TIMEOUT = dt.timedelta(seconds=10)


class PingingTransportWS(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws that also pings the client every keep-alive interval, and lets
    each operation send its shared results directly (see shared_execution)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pinger: asyncio.Task | None = None

    async def handle_connection_init(self, message: Any) -> None:
        """Acknowledge (or reject) the client as strawberry does, then start pinging."""
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._pinger is None:
            self._pinger = asyncio.create_task(self._ping())

    async def run_operation(self, operation: Operation) -> None:
        """Run the operation (in its own task) with its direct delivery at hand."""
        DELIVERY.set(Delivery(operation.id, functools.partial(self._send_encoded, operation)))
        await super().run_operation(operation)

    async def _send_encoded(self, operation: Operation, message: EncodedMessage) -> None:
        """Send an encoded ``next`` message, as strawberry sends one: not once the
        operation is complete."""
        if not operation.completed:
            await self.websocket.send_json(message)  # type: ignore[arg-type]

    async def _ping(self) -> None:
        # RuntimeError: the socket was closed by this side between two pings.
        with contextlib.suppress(WebSocketDisconnected, RuntimeError):
            while True:
                await asyncio.sleep(self.view.keep_alive_interval)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        """Stop pinging, then end the operations."""
        if self._pinger is not None:
            self._pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinger
        await super().shutdown()


def socket_credentials(params: dict[str, Any], header: str | None) -> Credentials | None:
    """Credentials from a ``connection_init`` payload (``Authorization`` as in an HTTP header,
    or a bare ``token``), else from the upgrade request's Authorization header."""
    authorization = params.get("Authorization", params.get("authorization"))
    token = params.get("token")
    if authorization is not None:
        if not isinstance(authorization, str):
            raise MalformedAuthorization("Authorization must be a string")
        return parse_authorization(authorization)
    if token is not None:
        if not isinstance(token, str) or not token:
            raise MalformedAuthorization("token must be a non-empty string")
        return Credentials(secret=token)
    return parse_authorization(header)


class GraphQLDoor(GraphQL):
    """Strawberry's ASGI view, handed the request context built before it runs."""

    graphql_transport_ws_handler_class = PingingTransportWS

    def __init__(self, *args: Any, shared_results: SharedResults, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared_results = shared_results

    def encode_json(self, data: object) -> str | bytes:
        """Encode as strawberry does, reusing the JSON of a shared subscription result."""
        return encode_message(data, self.shared_results) or super().encode_json(data)

    async def get_context(self, request: Any, response: Any) -> GraphQLContext:
        return request.scope["state"]["graphql_context"]

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        return process_result(coded(result))

    async def on_ws_connect(self, context: SocketContext) -> UnsetType:
        """Authenticate a websocket client; a bad token closes the socket (4403)."""
        ctx = context.ctx
        try:
            credentials = socket_credentials(context.connection_params or {}, context.authorization)
            if credentials is not None:
                ctx.viewer = await authenticate(ctx, credentials.secret, credentials.username)
        except (MalformedAuthorization, Unauthenticated) as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from exc
        finally:
            await ctx.close()
        return UNSET


class BodyTooLarge(Exception):
    """A request body exceeded the configured limit."""


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class GraphQLEndpoint:
    """Authenticates, bounds the body, answers from the result cache or runs strawberry."""

    def __init__(self, settings: Settings, sessions: Any, changes: ChangeCounter, hub: Hub) -> None:
        self.settings = settings
        self.sessions = sessions
        self.changes = changes
        self.hub = hub
        self.cache = ResultCache(
            changes, settings.result_cache_seconds, settings.result_cache_entries
        )
        self.shared_results = SharedResults()
        self.view = GraphQLDoor(
            build_schema(settings),
            shared_results=self.shared_results,
            graphql_ide="graphiql",
            keep_alive=True,
            keep_alive_interval=settings.websocket_keep_alive_seconds,
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The GraphQL websocket (graphql-transport-ws or graphql-ws): subscriptions."""
        ctx = RequestContext(self.sessions, ANONYMOUS, self.changes, self.settings.event_topic)
        scope.setdefault("state", {})["graphql_context"] = SocketContext(
            ctx=ctx,
            loaders=Loaders(ctx),
            hub=self.hub,
            shared_results=self.shared_results,
            authorization=Headers(scope=scope).get("authorization"),
        )
        try:
            await self.view(scope, receive, send)
        finally:
            await ctx.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
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

        async def compute() -> tuple[None, bytes | None]:
            """Run the query, streaming its answer; keep it when it is a clean success."""
            captured = _Capture(send)
            await self.view(scope, replay, captured)
            kept = captured.status == 200 and b'"errors"' not in captured.body
            return None, captured.body if kept else None

        kept = await self.cache.reuse((ctx.viewer.user_id, body), compute)
        if kept is not None:
            await _json_bytes(kept)(scope, replay, send)

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
