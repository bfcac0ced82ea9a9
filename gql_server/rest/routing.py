"""One REST path, the handler of each method it answers, and what OPTIONS says of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from gql_server.resolvers.context import RequestContext

Handler = Callable[[RequestContext, Request], Awaitable[Response]]

# The order DRF lists methods in an ``Allow`` header; HEAD and OPTIONS always follow.
_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
JSON_FORM_MULTIPART = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A route under ``/api/v0.2/``.

    ``name`` and ``description`` are what DRF's OPTIONS metadata calls the view;
    ``parses`` the request media types its writes accept. The OpenAPI description reads
    ``filters`` (the field set a list is filtered by, see ``resolvers/filter_fields.py``),
    ``ordering`` (the fields ``ordering=`` accepts), ``paginated`` and ``fields`` (the
    body fields its writes read, with their JSON types). ``cached`` is False for a route
    whose GET changes the lab (LAVA's ``cancel/``), so that the door never reuses it.
    """

    path: str
    name: str
    handlers: Mapping[str, Handler]
    description: str = ""
    parses: tuple[str, ...] = JSON_FORM_MULTIPART
    filters: str | None = None
    ordering: frozenset[str] = frozenset()
    paginated: bool = False
    fields: Mapping[str, str] = dataclasses.field(default_factory=dict)
    cached: bool = True

    @property
    def allow(self) -> str:
        """The ``Allow`` header: the route's methods in DRF's order, then HEAD and OPTIONS."""
        methods = [method for method in _METHOD_ORDER if method in self.handlers]
        return ", ".join([*methods, "HEAD", "OPTIONS"])


def read_only(path: str, name: str, get: Handler, description: str = "") -> Endpoint:
    """An endpoint that answers GET (and so HEAD and OPTIONS) only."""
    return Endpoint(path, name, {"GET": get}, description)
