"""The ``/api/v0.2/`` door: routes, a request context per request, LAVA's refusals.

Every route is an :class:`Endpoint` from one resource module; the door authenticates the
caller, answers HEAD and OPTIONS, refuses other methods a route lacks, bounds and replays
request bodies, picks the renderer (JSON or the browsable API) and sets the headers every
DRF response carries.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import anyio
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route

from gql_server.config import Settings
from gql_server.db.engine import start_counting_statements
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import LabError
from gql_server.rest import (
    accounts,
    aliases,
    device_types,
    devices,
    exports,
    job_actions,
    job_results,
    jobs,
    permissions,
    system,
    tags,
    workers,
)
from gql_server.rest.auth import viewer_of
from gql_server.rest.body import BodyTooLarge, bounded
from gql_server.rest.errors import RestError, detail, refusal_of
from gql_server.rest.formats import browsable, requested_format
from gql_server.rest.openapi import openapi_document
from gql_server.rest.render import JsonResponse, answer, api_url
from gql_server.rest.routing import Endpoint, read_only
from gql_server.schema.result_cache import ResultCache

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
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
RENDERS = ["application/json", "text/html"]
NOT_FOUND_PAGE = "<h1>Not Found</h1><p>The requested resource was not found on this server.</p>"
STATEMENTS_HEADER = "x-sql-statements"  # with expose_sql_statements, for tests
_SUFFIXED = re.compile(r"(?P<path>/.*?)\.(?P<format>[a-z0-9]+)/?")


async def api_root(_ctx: RequestContext, request: Request) -> Response:
    """``GET /api/v0.2/``: each top-level route's absolute URL."""
    return answer({key: api_url(request, f"{key}/") for key in ROOT_KEYS})


async def schema(_ctx: RequestContext, request: Request) -> Response:
    """``GET /api/v0.2/schema/``: the OpenAPI description of these routes (our addition)."""
    return answer(openapi_document(ENDPOINTS, api_url(request).rstrip("/")))


ENDPOINTS: list[Endpoint] = [
    read_only("/", "Api Root", api_root, "The default basic root view for DefaultRouter"),
    read_only("/schema/", "OpenAPI Schema", schema, "This API described in OpenAPI 3.1"),
    # Fixed paths (jobs/validate/) come before the detail route they would match.
    *job_actions.ENDPOINTS,
    *jobs.ENDPOINTS,
    *job_results.ENDPOINTS,
    *exports.ENDPOINTS,
    *devices.ENDPOINTS,
    *device_types.ENDPOINTS,
    *workers.ENDPOINTS,
    *aliases.ENDPOINTS,
    *tags.ENDPOINTS,
    *permissions.ENDPOINTS,
    *accounts.ENDPOINTS,
    *system.ENDPOINTS,
]


def _refuse_null_characters(request: Request) -> None:
    """Django's 400 for a NUL in a path parameter or query value (no database stores it)."""
    values = [*map(str, request.path_params.values()), *request.query_params.values()]
    if any("\x00" in value for value in values):
        raise detail(400, "Null characters are not allowed.")


async def _closing(chunks: AsyncIterator, ctx: RequestContext) -> AsyncIterator:
    """A streamed body that closes the request context once it ends or is abandoned.

    A client that hangs up cancels the stream; the body's own generator (which holds a
    database session) is closed and the context with it, shielded from that
    cancellation, so that the connection goes back to the pool instead of being left to
    the garbage collector.
    """
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()
            await ctx.close()


class RestDoor:
    """Answers LAVA's REST API v0.2 under ``/api/v0.2/``."""

    def __init__(
        self, settings: Settings, sessions: async_sessionmaker, changes: ChangeCounter
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.changes = changes
        self.cache = ResultCache(
            changes, settings.result_cache_seconds, settings.result_cache_entries
        )
        self.routed = [(self._route(endpoint), endpoint) for endpoint in ENDPOINTS]

    def routes(self) -> list[BaseRoute]:
        """The routes to add to the application."""
        unslashed = Route(PREFIX, lambda _r: RedirectResponse(PREFIX + "/", 301))
        elsewhere = Route("/{path:path}", self._elsewhere, methods=EVERY_METHOD)
        return [unslashed, Mount(PREFIX, routes=[*(r for r, _e in self.routed), elsewhere])]

    def _route(self, endpoint: Endpoint) -> Route:
        async def serve(request: Request) -> Response:
            return await self._serve(request, endpoint)

        return Route(endpoint.path, serve, methods=EVERY_METHOD)

    async def _serve(
        self, request: Request, endpoint: Endpoint, suffix: str | None = None
    ) -> Response:
        ctx = RequestContext(
            self.sessions, changes=self.changes, topic_prefix=self.settings.event_topic
        )
        counter = start_counting_statements()
        streaming = False
        try:
            shown_as = requested_format(request, suffix)
            ctx.viewer = await viewer_of(ctx, request.headers.get("authorization"))
            _refuse_null_characters(request)
            if request.method in READ_METHODS and endpoint.cached and self.cache.enabled:
                response = await self._reused(ctx, request, endpoint)
            else:
                response = await self._dispatch(ctx, request, endpoint)
            streaming = isinstance(response, StreamingResponse)
            if streaming:
                response.body_iterator = _closing(response.body_iterator, ctx)
        except (RestError, LabError) as error:
            shown_as = "json"
            refusal = error if isinstance(error, RestError) else refusal_of(error)
            response = refusal.response()
        finally:
            if not streaming:
                await ctx.close()
        if self.settings.expose_sql_statements and not streaming:
            response.headers[STATEMENTS_HEADER] = str(counter[0])
        response.headers.setdefault("Allow", endpoint.allow)
        response.headers.setdefault("Vary", "Accept, Cookie")
        if shown_as == "api":
            return browsable(request, response, endpoint.name, endpoint.description)
        return response

    async def _reused(self, ctx: RequestContext, request: Request, endpoint: Endpoint) -> Response:
        """A read answered from the cache while the lab is unchanged (per viewer, path and
        query string); only whole 200 JSON answers are kept."""

        async def compute() -> tuple[Response, bytes | None]:
            response = await self._dispatch(ctx, request, endpoint)
            keep = response.status_code == 200 and isinstance(response, JsonResponse)
            return response, response.body if keep else None

        method = "OPTIONS" if request.method == "OPTIONS" else "GET"
        key = ("rest", ctx.viewer.user_id, method, request.url.path, request.url.query)
        found = await self.cache.reuse(key, compute)
        return JsonResponse.of_bytes(found) if isinstance(found, bytes) else found

    async def _dispatch(
        self, ctx: RequestContext, request: Request, endpoint: Endpoint
    ) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return answer(
                {
                    "name": endpoint.name,
                    "description": endpoint.description,
                    "renders": RENDERS,
                    "parses": list(endpoint.parses),
                }
            )
        handler = endpoint.handlers.get(method)
        if handler is None:
            raise detail(405, f'Method "{request.method}" not allowed.')
        if method not in READ_METHODS:
            try:
                request = await bounded(request, self.settings.max_body_bytes)
            except BodyTooLarge:
                raise detail(413, "Request body too large.") from None
        return await handler(ctx, request)

    async def _elsewhere(self, request: Request) -> Response:
        """A path with a format suffix (``jobs.json``) is its route in that format; one
        without its trailing slash is redirected (301, as Django does); any other unknown
        path is LAVA's HTML 404."""
        path = "/" + request.path_params["path"]
        suffixed = _SUFFIXED.fullmatch(path)
        if suffixed is not None:
            found = self._match(suffixed["path"].rstrip("/") + "/")
            if found is not None:
                endpoint, params = found
                request.scope["path_params"] = params
                return await self._serve(request, endpoint, suffixed["format"])
        if not path.endswith("/") and self._match(path + "/") is not None:
            target = request.url.replace(path=request.url.path + "/")
            return RedirectResponse(str(target), 301)
        return HTMLResponse(NOT_FOUND_PAGE, 404)

    def _match(self, path: str) -> tuple[Endpoint, dict] | None:
        """The endpoint whose path matches, with its path parameters."""
        for route, endpoint in self.routed:
            matched = route.path_regex.match(path)
            if matched is not None:
                params = {
                    name: route.param_convertors[name].convert(value)
                    for name, value in matched.groupdict().items()
                }
                return endpoint, params
        return None
