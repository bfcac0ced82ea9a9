"""Request bodies as DRF's parsers read them: JSON, form, multipart, and plain text."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import Message

from gql_server.rest.errors import RestError, detail


class BodyTooLarge(Exception):
    """The request body went past the configured bound."""


async def bounded(request: Request, max_bytes: int) -> Request:
    """The request again, its body read once (at most ``max_bytes``) and replayable."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
    message: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    async def replay() -> Message:
        return message

    return Request(request.scope, replay)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def request_data(request: Request, parses: tuple[str, ...]) -> dict[str, Any]:
    """The body's fields; DRF's 400 for malformed JSON and 415 for a media type the
    route does not parse. An empty body is no fields."""
    raw = await request.body()
    media_type = _media_type(request)
    if not raw:
        return {}
    if media_type not in parses:
        raise detail(415, f'Unsupported media type "{media_type}" in request.')
    if media_type == "application/json":
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise detail(400, f"JSON parse error - {exc}") from None
        if not isinstance(data, dict):
            raise RestError(400, {"non_field_errors": ["Invalid data. Expected a dictionary."]})
        return data
    if media_type == "text/plain":
        return {"text": raw.decode("utf-8", "replace")}
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}
