"""LAVA's limit/offset pages: ``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request

DEFAULT_LIMIT = 50
LARGEST = 2**62  # past any table's size, and within a 64-bit SQL integer


def _whole(text: str | None, default: int, minimum: int) -> int:
    """A bad or too small value means ``default``; a huge one is cut to :data:`LARGEST`."""
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return min(value, LARGEST) if value >= minimum else default


@dataclasses.dataclass(frozen=True)
class Window:
    """Which slice of a list a request asks for."""

    limit: int
    offset: int

    @classmethod
    def of(cls, request: Request) -> Window:
        """``limit`` (a bad, zero or negative one means 50) and ``offset`` (bad means 0)."""
        params = request.query_params
        return cls(
            _whole(params.get("limit"), DEFAULT_LIMIT, 1), _whole(params.get("offset"), 0, 0)
        )


def _link(request: Request, replace: dict[str, int], drop: str | None = None) -> str:
    """The request's URL with parameters replaced (or one dropped), re-encoded sorted by name."""
    query = parse_qs(request.url.query, keep_blank_values=True)
    for name, value in replace.items():
        query[name] = [str(value)]
    if drop is not None:
        query.pop(drop, None)
    return str(request.url.replace(query=urlencode(sorted(query.items()), doseq=True)))


def page(request: Request, window: Window, count: int, results: list[Any]) -> dict[str, Any]:
    """The envelope around ``results`` with absolute links to the pages around it."""
    limit, offset = window.limit, window.offset
    following = None
    if offset + limit < count:
        following = _link(request, {"limit": limit, "offset": offset + limit})
    preceding = None
    if offset > 0:
        if offset - limit <= 0:
            preceding = _link(request, {"limit": limit}, drop="offset")
        else:
            preceding = _link(request, {"limit": limit, "offset": offset - limit})
    return {"count": count, "next": following, "previous": preceding, "results": results}
