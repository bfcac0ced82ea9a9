"""Build the Starlette application: every door mounted on one set of resolvers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from gql_server import __version__
from gql_server.config import Settings
from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.events.publisher import run_publisher
from gql_server.graphql_door import GraphQLEndpoint
from gql_server.resolvers.changes import ChangeCounter


async def version(_request: Request) -> JSONResponse:
    """The server's name and release version."""
    return JSONResponse({"name": "gql-server", "version": __version__})


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI application for the given settings."""
    settings = settings or Settings()
    engine = create_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)

    changes = ChangeCounter(settings.result_cache_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await migrate(engine)
        publisher = None
        if settings.embedded_publisher:
            publisher = asyncio.create_task(run_publisher(sessions, changes, settings.event_socket))
        yield
        if publisher is not None:
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
        await engine.dispose()

    graphql = GraphQLEndpoint(settings, sessions, changes)
    return Starlette(
        routes=[
            Route("/", lambda _r: RedirectResponse("/graphql")),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/version", version),
        ],
        lifespan=lifespan,
    )
