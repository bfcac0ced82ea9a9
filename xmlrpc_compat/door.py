"""The ``/RPC2`` endpoint: authentication as LAVA does it, then one method call.

Answers of read-only methods are kept like GraphQL's (see
:mod:`gql_server.schema.result_cache`): per caller and request body, until the lab
changes through this process or ``result_cache_seconds`` pass.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from gql_server.config import Settings
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import ANONYMOUS, RequestContext
from gql_server.resolvers.errors import Unauthenticated
from gql_server.resolvers.users import authenticate
from gql_server.schema.result_cache import ResultCache
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, Method
from xmlrpc_compat.wire import (
    CONTENT_TYPE,
    UndecodableRequest,
    decode_call,
    encode_fault,
    encode_result,
)

logger = logging.getLogger("xmlrpc_compat")

HELP_PATH = "/api/help/"
REALM = 'Basic realm="XML-RPC Authentication token"'


class HttpRefusal(Exception):
    """LAVA answers this request with an HTTP status and a plain body, not a fault."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(body)
        self.status = status
        self.body = body

    def response(self) -> Response:
        headers = {"WWW-Authenticate": REALM} if self.status == 401 else None
        return PlainTextResponse(
            self.body, self.status, headers=headers, media_type="text/html; charset=utf-8"
        )


def credentials(header: str | None) -> tuple[str | None, str] | None:
    """(username, secret) from the Authorization header, as LAVA reads it (``Basic
    user:token``; our ``Token <secret>`` too); HttpRefusal with LAVA's text when bad."""
    if header is None:
        return None
    scheme, space, value = header.partition(" ")
    if not space:
        raise HttpRefusal(400, "Invalid HTTP_AUTHORIZATION header")
    if scheme == "Token" and value.strip():
        return None, value.strip()
    if scheme != "Basic":
        raise HttpRefusal(
            400, "Unsupported HTTP_AUTHORIZATION header, only Basic scheme is supported"
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise HttpRefusal(400, "Corrupted HTTP_AUTHORIZATION header, bad base64 encoding") from exc
    username, colon, secret = decoded.partition(":")
    if not colon:
        raise HttpRefusal(400, "Corrupted HTTP_AUTHORIZATION header, no user:pass")
    return username, secret


class XmlRpcDoor:
    """Answers XML-RPC calls on ``/RPC2`` and ``/RPC2/``; a GET leads to the help page."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker,
        changes: ChangeCounter,
        catalogue: Mapping[str, Method],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.changes = changes
        self.catalogue = catalogue
        self.cache = ResultCache(
            changes, settings.result_cache_seconds, settings.result_cache_entries
        )

    async def __call__(self, request: Request) -> Response:
        if request.method != "POST":
            return RedirectResponse(HELP_PATH, 302)
        body = await self._body(request)
        if body is None:
            return _xml(encode_fault(-32600, "Unable to decode request: the body is too large"))
        if not body:
            return RedirectResponse(HELP_PATH, 302)
        ctx = RequestContext(self.sessions, ANONYMOUS, self.changes, self.settings.event_topic)
        try:
            await self._authenticate(ctx, request.headers.get("authorization"))
            return _xml(await self._answer(Call(ctx, self.settings, self.catalogue), body))
        except HttpRefusal as refusal:
            return refusal.response()
        finally:
            await ctx.close()

    async def _body(self, request: Request) -> bytes | None:
        """The request body, or None once it exceeds the configured bound."""
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.settings.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _authenticate(self, ctx: RequestContext, header: str | None) -> None:
        found = credentials(header)
        if found is None:
            return
        username, secret = found
        try:
            ctx.viewer = await authenticate(ctx, secret, username)
        except Unauthenticated as exc:
            raise HttpRefusal(401, "Invalid token") from exc

    async def _answer(self, call: Call, body: bytes) -> bytes:
        try:
            name, params = decode_call(body)
        except UndecodableRequest:
            return encode_fault(-32603, "Unable to decode request")
        method = self.catalogue.get(name)
        if method is None or not method.read_only or not self.cache.enabled:
            return (await self._run(call, name, params))[0]

        async def compute() -> tuple[bytes, bytes | None]:
            answer, succeeded = await self._run(call, name, params)
            return answer, answer if succeeded else None

        return await self.cache.reuse(("xmlrpc", call.ctx.viewer.user_id, body), compute)

    async def _run(self, call: Call, name: str, params: tuple) -> tuple[bytes, bool]:
        """The encoded answer of one call, and whether it is a result (not a fault)."""
        try:
            result = await call.invoke(name, params)
        except Fault as fault:
            return encode_fault(fault.code, fault.text), False
        except Exception:
            logger.exception("XML-RPC method %s failed", name[:100])
            return encode_fault(-32603, INTERNAL_ERROR), False
        try:
            return encode_result(result), True
        except (TypeError, OverflowError) as exc:
            logger.error("cannot marshal the result of %s: %s", name[:100], exc)
            return encode_fault(-32603, f"{INTERNAL_ERROR}: {exc}"), False


def _xml(body: bytes) -> Response:
    return Response(body, media_type=CONTENT_TYPE)
