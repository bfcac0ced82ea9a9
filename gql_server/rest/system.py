"""``system/``, ``system/version/`` and ``system/whoami/``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql_server.lab.legacy import LAVA_API_LEVEL
from gql_server.resolvers.context import RequestContext
from gql_server.rest.render import answer
from gql_server.rest.routing import read_only


async def system_root(_ctx: RequestContext, _request: Request) -> Response:
    """``GET system/``: LAVA answers 200 with an empty body and no content type."""
    return Response(b"", 200)


async def version(_ctx: RequestContext, _request: Request) -> Response:
    """``GET system/version/``: the LAVA release whose API this server implements."""
    return answer({"version": LAVA_API_LEVEL})


async def whoami(ctx: RequestContext, _request: Request) -> Response:
    """``GET system/whoami/``: the caller's username, ``""`` when anonymous."""
    return answer({"user": ctx.viewer.username or ""})


ENDPOINTS = [
    read_only("/system/", "System", system_root),
    read_only("/system/version/", "System", version),
    read_only("/system/whoami/", "System", whoami),
]
