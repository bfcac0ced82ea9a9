"""JSON as LAVA's REST API writes it: compact separators, UTC datetimes ending in ``Z``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


def api_url(request: Request, path: str = "") -> str:
    """The absolute URL of ``path`` under the REST door's mount (``/api/v0.2/<path>``)."""
    return f"{str(request.base_url).rstrip('/')}{request.scope['root_path']}/{path}"


def lava_datetime(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC as DRF writes it: ``Z`` for ``+00:00``, the fraction only when non-zero."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


class JsonResponse(Response):
    """A JSON body with compact separators, as DRF renders it."""

    media_type = "application/json"

    @classmethod
    def of_bytes(cls, body: bytes) -> JsonResponse:
        """An answer whose JSON is already encoded (kept by the answer cache)."""
        response = cls(None)
        response.body = body
        response.init_headers()
        return response

    def render(self, content: Any) -> bytes:
        """Compact JSON, non-ASCII text as UTF-8 (as DRF's JSONRenderer)."""
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def answer(content: Any, status: int = 200) -> JsonResponse:
    """A JSON answer; the door adds the ``Allow`` and ``Vary`` headers of its route."""
    return JsonResponse(content, status)
