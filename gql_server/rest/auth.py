"""Who is asking a REST request: LAVA's ``Token`` header, and basic ``user:token``."""

from __future__ import annotations

from gql_server.http_auth import MalformedAuthorization, parse_authorization
from gql_server.resolvers.context import ANONYMOUS, RequestContext, Viewer
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.users import authenticate
from gql_server.rest.errors import detail

INVALID_TOKEN = "Invalid token."


def credentials(header: str | None) -> tuple[str, str | None] | None:
    """(secret, username) from an Authorization header, None for an anonymous request.

    ``Token`` (any case) is DRF's token header with its error texts; ``Bearer`` and
    ``Basic user:token`` are accepted as on every door; other schemes are ignored.
    """
    if not header:
        return None
    words = header.split()
    scheme = words[0].lower() if words else ""
    if scheme == "token":
        if len(words) == 1:
            raise detail(403, "Invalid token header. No credentials provided.")
        if len(words) > 2:
            raise detail(403, "Invalid token header. Token string should not contain spaces.")
        return words[1], None
    if scheme not in {"bearer", "basic"}:
        return None
    try:
        found = parse_authorization(header)
    except MalformedAuthorization as exc:
        raise detail(403, INVALID_TOKEN) from exc
    if found is None:
        return None
    return found.secret, found.username


async def viewer_of(ctx: RequestContext, header: str | None) -> Viewer:
    """The viewer the request's credentials stand for; RestError 403 for a bad token."""
    found = credentials(header)
    if found is None:
        return ANONYMOUS
    secret, username = found
    try:
        return await authenticate(ctx, secret, username)
    except Unauthenticated as exc:
        raise detail(403, INVALID_TOKEN) from exc
