"""Errors a resolver raises; each door renders them in its own convention."""

from __future__ import annotations


class LabError(Exception):
    """Base of the errors a caller can act on. ``code`` names the kind for GraphQL."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LabError):
    code = "NOT_FOUND"


class BadInput(LabError):
    code = "BAD_USER_INPUT"


class UnknownPermission(BadInput):
    """A permission codename that is not one of the model's (LAVA's text: "Please use
    existing permission codename"); granting per-object permissions raises it."""

    def __init__(self) -> None:
        super().__init__("Please use existing permission codename")


class PermissionDenied(LabError):
    code = "FORBIDDEN"


class Unauthenticated(LabError):
    code = "UNAUTHENTICATED"


class InvalidFilter(BadInput):
    """A filter value that cannot be used; ``parameter`` names the query parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
