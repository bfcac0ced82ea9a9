"""Refusals a REST route answers with LAVA's status code and JSON body."""

from __future__ import annotations

from typing import Any

from gql_server.resolvers.errors import (
    InvalidFilter,
    LabError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from gql_server.rest.render import JsonResponse, answer

NOT_FOUND = "Not found."
NOT_AUTHENTICATED = "Authentication credentials were not provided."
NOT_PERMITTED = "You do not have permission to perform this action."


class RestError(Exception):
    """A request LAVA refuses with ``status`` and the JSON ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(body)
        self.status = status
        self.body = body

    def response(self) -> JsonResponse:
        """The refusal as the JSON answer the door sends."""
        return answer(self.body, self.status)


def detail(status: int, text: str) -> RestError:
    """A refusal whose body is ``{"detail": text}`` (authentication, 404, 405)."""
    return RestError(status, {"detail": text})


def invalid_filter(name: str, message: str) -> RestError:
    """django-filter's 400: ``{"<parameter>": ["<message>"]}``."""
    return RestError(400, {name: [message]})


def refusal_of(error: LabError) -> RestError:
    """DRF's answer to a resolver's error that the route did not translate itself."""
    if isinstance(error, InvalidFilter):
        return invalid_filter(error.parameter, error.message)
    if isinstance(error, NotFound):
        return detail(404, NOT_FOUND)
    if isinstance(error, Unauthenticated):
        return detail(403, NOT_AUTHENTICATED)
    if isinstance(error, PermissionDenied):
        return detail(403, NOT_PERMITTED)
    return detail(400, error.message)


def required(name: str) -> RestError:
    """A serializer's 400 for a missing field: ``{"<name>": ["This field is required."]}``."""
    return RestError(400, {name: ["This field is required."]})
