"""The live lab page: a static page at ``/`` and its assets under ``/static/``.

The page is plain HTML, CSS and JavaScript modules shipped in the package (no build step).
It talks to the server only through the public GraphQL API: queries over HTTP, live
updates over the graphql-transport-ws websocket.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"

# Assets are not fingerprinted: browsers keep them but revalidate (ETag) on each use.
CACHE_CONTROL = "no-cache"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self';"
    " img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Assets(StaticFiles):
    """The page's static files, revalidated by the browser on each use."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def index(_request: Request) -> FileResponse:
    """The live lab page."""
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": CACHE_CONTROL,
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[BaseRoute]:
    """The web door's routes: ``/`` and ``/static/...``."""
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Mount("/static", app=Assets(directory=STATIC), name="static"),
    ]
