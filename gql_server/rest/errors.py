"""Refusals a REST route answers with LAVA's status code and JSON body."""

from __future__ import annotations

from typing import Any

from gql_server.rest.render import JsonResponse, answer

NOT_FOUND = "Not found."


class RestError(Exception):
    """A request LAVA refuses with ``status`` and the JSON ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(body)
        self.status = status
        self.body = body

    def response(self) -> JsonResponse:
        return answer(self.body, self.status)


def detail(status: int, text: str) -> RestError:
    """A refusal whose body is ``{"detail": text}`` (authentication, 404, 405)."""
    return RestError(status, {"detail": text})


def invalid_filter(name: str, message: str) -> RestError:
    """django-filter's 400: ``{"<parameter>": ["<message>"]}``."""
    return RestError(400, {name: [message]})
