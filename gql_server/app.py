"""Build the Starlette application: every door mounted on one set of resolvers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from gql_server import __version__
from gql_server.config import Settings
from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.demo.mail_sink import mailing_to, start_mail_sink
from gql_server.demo.simulator import Simulator
from gql_server.events.hub import Hub
from gql_server.events.ingest import Ingestor
from gql_server.events.publisher import run_publisher
from gql_server.events.ws_relay import EventRelay, healthz
from gql_server.graphql_door import GraphQLEndpoint
from gql_server.notify.service import serve_notifications
from gql_server.resolvers.changes import ChangeCounter
from gql_server.rest.door import RestDoor
from gql_server.web import routes as web_routes
from xmlrpc_compat.catalogue import CATALOGUE
from xmlrpc_compat.door import HELP_PATH, XmlRpcDoor
from xmlrpc_compat.help_page import help_endpoint


async def version(_request: Request) -> JSONResponse:
    """The server's name and release version."""
    return JSONResponse({"name": "gql-server", "version": __version__})


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI application for the given settings."""
    settings = settings or Settings()
    engine = create_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)

    changes = ChangeCounter(settings.result_cache_seconds)

    hub = Hub(
        sessions,
        changes,
        settings.event_socket,
        queue_size=settings.subscriber_queue_size,
        poll_seconds=settings.hub_poll_seconds,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await migrate(engine)
        tasks = [asyncio.create_task(hub.run())]
        if settings.embedded_publisher:
            publisher = run_publisher(
                sessions,
                changes,
                settings.event_socket,
                internal_endpoint=settings.internal_event_socket,
                topic_prefix=settings.event_topic,
                private_jobs=settings.open_stream_private_jobs,
            )
            tasks.append(asyncio.create_task(publisher))
        if settings.events_from:
            follower = Ingestor(
                sessions, changes, settings.events_from, settings.event_topic, subscribe=True
            )
            tasks.append(asyncio.create_task(follower.run()))
        sink = None
        if settings.demo_mail_folder:
            sink = await start_mail_sink(Path(settings.demo_mail_folder))
            print(f"gql-server: demo mail is kept in {settings.demo_mail_folder}/new", flush=True)
        if settings.notifier:
            mailing = settings if sink is None else mailing_to(sink, settings)
            tasks.append(asyncio.create_task(serve_notifications(sessions, mailing, changes)))
        if settings.simulate_lab:
            simulator = Simulator(sessions, changes, settings.event_topic)
            tasks.append(asyncio.create_task(simulator.run()))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if sink is not None:
            sink.close()
        await engine.dispose()

    graphql = GraphQLEndpoint(settings, sessions, changes, hub)
    relay = EventRelay(hub, sessions, changes, settings)
    xmlrpc = XmlRpcDoor(settings, sessions, changes, CATALOGUE)
    rest = RestDoor(settings, sessions, changes)
    app = Starlette(
        routes=[
            *web_routes(),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            WebSocketRoute("/ws/", relay.serve),
            Route("/ws/v1/healthz", healthz),
            Route("/RPC2", xmlrpc.__call__, methods=["GET", "POST"]),
            Route("/RPC2/", xmlrpc.__call__, methods=["GET", "POST"]),
            Route(HELP_PATH, help_endpoint(CATALOGUE)),
            Route("/version", version),
            *rest.routes(),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings  # what REST system/master_config/ reports
    return app
