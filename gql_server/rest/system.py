"""``system/``, ``system/master_config/``, ``system/version/`` and ``system/whoami/``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gql_server.config import Settings
from gql_server.lab.legacy import LAVA_API_LEVEL
from gql_server.resolvers.context import RequestContext
from gql_server.rest.render import answer
from gql_server.rest.routing import read_only

LOG_SIZE_LIMIT_MB = 5


async def system_root(_ctx: RequestContext, _request: Request) -> Response:
    """``GET system/``: LAVA answers 200 with an empty body and no content type."""
    return Response(b"", 200)


async def master_config(_ctx: RequestContext, request: Request) -> Response:
    """``GET system/master_config/``: where events are published, whether they are on
    (always: events come from the outbox), and the log size limit in MB."""
    settings: Settings = request.app.state.settings
    return answer(
        {
            "EVENT_TOPIC": settings.event_topic,
            "EVENT_SOCKET": settings.event_socket,
            "EVENT_NOTIFICATION": True,
            "LOG_SIZE_LIMIT": LOG_SIZE_LIMIT_MB,
        }
    )


async def version(_ctx: RequestContext, _request: Request) -> Response:
    """``GET system/version/``: the LAVA release whose API this server implements."""
    return answer({"version": LAVA_API_LEVEL})


async def whoami(ctx: RequestContext, _request: Request) -> Response:
    """``GET system/whoami/``: the caller's username, ``""`` when anonymous."""
    return answer({"user": ctx.viewer.username or ""})


ENDPOINTS = [
    read_only("/system/", "System", system_root),
    read_only("/system/master_config/", "System", master_config),
    read_only("/system/version/", "System", version),
    read_only("/system/whoami/", "System", whoami),
]
