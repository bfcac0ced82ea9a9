"""Every GraphQL error gets an ``extensions.code``; no internal detail reaches a client."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gql_server.resolvers.errors import LabError

logger = logging.getLogger("gql_server.graphql")

INTERNAL_MESSAGE = "Internal server error"


def _code_for(error: GraphQLError) -> tuple[str, str]:
    original = error.original_error
    if isinstance(original, LabError):
        return original.code, original.message
    if original is None:
        if error.message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", error.message
        if error.message.startswith("Variable "):
            return "BAD_USER_INPUT", error.message
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


class ErrorCodes(SchemaExtension):
    """Rewrites the errors of each result (queries and subscriptions alike)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error) for error in result.errors]
        elif self.execution_context.pre_execution_errors:
            self.execution_context.pre_execution_errors = [
                with_code(error) for error in self.execution_context.pre_execution_errors
            ]
