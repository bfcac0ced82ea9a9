"""Build the Starlette application: every door mounted on one set of resolvers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from gql_server import __version__
from gql_server.config import Settings
from gql_server.db.engine import create_engine, session_factory, start_counting_statements
from gql_server.db.migrate import migrate
from gql_server.http_auth import MalformedAuthorization, parse_authorization
from gql_server.resolvers.context import ANONYMOUS, RequestContext
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.users import authenticate
from gql_server.schema.build import build_schema
from gql_server.schema.context import GraphQLContext
from gql_server.schema.errors import coded

logger = logging.getLogger("gql_server")

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
    """Authenticates, bounds the body, runs strawberry, and releases the session."""

    def __init__(self, settings: Settings, sessions: Any) -> None:
        self.settings = settings
        self.sessions = sessions
        self.view = GraphQLDoor(build_schema(settings), graphql_ide="graphiql")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        counter = start_counting_statements()
        request = Request(scope)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            await _error(413, "request body too large", "BAD_REQUEST")(scope, receive, send)
            return
        ctx = RequestContext(self.sessions, ANONYMOUS)
        try:
            credentials = parse_authorization(request.headers.get("authorization"))
            if credentials is not None:
                ctx.viewer = await authenticate(ctx, credentials.secret, credentials.username)
        except (MalformedAuthorization, Unauthenticated) as exc:
            await ctx.close()
            await _error(401, str(exc), "UNAUTHENTICATED")(scope, receive, send)
            return
        scope.setdefault("state", {})["graphql_context"] = GraphQLContext.for_request(ctx)
        try:
            await self.view(scope, self._bounded(receive), self._with_count(send, counter))
        except BodyTooLarge:
            await _error(413, "request body too large", "BAD_REQUEST")(scope, receive, send)
        finally:
            await ctx.close()

    def _bounded(self, receive: Receive) -> Receive:
        seen = 0
        limit = self.settings.max_body_bytes

        async def bounded() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
            return message

        return bounded

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


async def version(_request: Request) -> JSONResponse:
    return JSONResponse({"name": "gql-server", "version": __version__})


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> Starlette:
    """The ASGI application for the given settings."""
    settings = settings or Settings()
    engine = create_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(engine)
        yield
        await engine.dispose()

    graphql = GraphQLEndpoint(settings, sessions)
    app = Starlette(
        routes=[
            Route("/", lambda _r: RedirectResponse("/graphql")),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/version", version),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = sessions
    return app
