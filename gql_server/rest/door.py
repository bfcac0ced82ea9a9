"""The ``/api/v0.2/`` door: routes, a request context per request, LAVA's refusals."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from gql_server.config import Settings
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext
from gql_server.rest import jobs, system
from gql_server.rest.auth import viewer_of
from gql_server.rest.errors import RestError, detail
from gql_server.rest.render import answer

logger = logging.getLogger("gql_server.rest")

PREFIX = "/api/v0.2"
# The v0.2 root's keys, in LAVA master's registration order (changes-since-2023.md §3.2).
ROOT_KEYS = (
    "aliases",
    "devices",
    "devicetypes",
    "jobs",
    "permissions/devicetypes",
    "permissions/devices",
    "system",
    "tags",
    "workers",
    "remote-artifact-tokens",
    "groups",
    "users",
)
READ_METHODS = frozenset({"GET", "HEAD"})
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_FOUND_PAGE = "<h1>Not Found</h1><p>The requested resource was not found on this server.</p>"

Handler = Callable[[RequestContext, Request], Awaitable[Response]]


async def api_root(_ctx: RequestContext, request: Request) -> Response:
    """``GET /api/v0.2/``: each top-level route's absolute URL."""
    base = str(request.base_url).rstrip("/") + PREFIX
    return answer({key: f"{base}/{key}/" for key in ROOT_KEYS})


class RestDoor:
    """Answers LAVA's REST API v0.2 under ``/api/v0.2/``."""

    def __init__(
        self, settings: Settings, sessions: async_sessionmaker, changes: ChangeCounter
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.changes = changes
        self.endpoints = [
            self._route("/", api_root),
            self._route("/jobs/", jobs.job_list),
            self._route("/jobs/{job_id}/", jobs.job_detail),
            self._route("/system/", system.system_root),
            self._route("/system/version/", system.version),
            self._route("/system/whoami/", system.whoami),
        ]

    def routes(self) -> list[BaseRoute]:
        """The routes to add to the application."""
        unslashed = Route(PREFIX, lambda _r: RedirectResponse(PREFIX + "/", 301))
        elsewhere = Route("/{path:path}", self._elsewhere, methods=EVERY_METHOD)
        return [unslashed, Mount(PREFIX, routes=[*self.endpoints, elsewhere])]

    def _route(self, path: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._serve(request, handler)

        return Route(path, endpoint, methods=EVERY_METHOD)

    async def _serve(self, request: Request, handler: Handler) -> Response:
        ctx = RequestContext(
            self.sessions, changes=self.changes, topic_prefix=self.settings.event_topic
        )
        try:
            ctx.viewer = await viewer_of(ctx, request.headers.get("authorization"))
            if request.method not in READ_METHODS:
                raise detail(405, f'Method "{request.method}" not allowed.')
            return await handler(ctx, request)
        except RestError as refusal:
            return refusal.response()
        finally:
            await ctx.close()

    async def _elsewhere(self, request: Request) -> Response:
        """A path without its trailing slash is redirected (301, as Django does); any
        other unknown path is LAVA's HTML 404."""
        path = "/" + request.path_params["path"]
        if not path.endswith("/") and any(
            route.path_regex.match(path + "/") for route in self.endpoints
        ):
            target = request.url.replace(path=request.url.path + "/")
            return RedirectResponse(str(target), 301)
        return HTMLResponse(NOT_FOUND_PAGE, 404)
