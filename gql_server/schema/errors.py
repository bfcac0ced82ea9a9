"""Every GraphQL error gets an ``extensions.code``; no internal detail reaches a client.

Applied where results leave the server (the HTTP view), since parse errors never reach
a schema extension's result.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from gql_server.resolvers.errors import LabError

logger = logging.getLogger("gql_server.graphql")

INTERNAL_MESSAGE = "Internal server error"


def _code_for(error: GraphQLError) -> tuple[str, str]:
    original = error.original_error
    if isinstance(original, LabError):
        return original.code, original.message
    if error.message.startswith("Variable "):
        return "BAD_USER_INPUT", error.message
    if original is None:
        if error.message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", error.message
        return "GRAPHQL_VALIDATION_FAILED", error.message
    logger.error("unexpected error in %s", error.path, exc_info=original)
    return "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE


def with_code(error: GraphQLError) -> GraphQLError:
    """A copy of ``error`` carrying its code, with unexpected errors masked."""
    if error.extensions and "code" in error.extensions:
        return error
    code, message = _code_for(error)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


def coded(result: ExecutionResult) -> ExecutionResult:
    """The same result with every error coded and unexpected ones masked."""
    if result.errors:
        result.errors = [with_code(error) for error in result.errors]
    return result
