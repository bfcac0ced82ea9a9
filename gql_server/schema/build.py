"""Assemble the strawberry schema with its limits and caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from gql_server.config import Settings
from gql_server.resolvers.errors import BadInput
from gql_server.schema.errors import coded
from gql_server.schema.mutation import Mutation
from gql_server.schema.query import Query
from gql_server.schema.shared_execution import SharedEventExecutor
from gql_server.schema.subscription import MESSAGE_TYPES, SocketContext, Subscription

CACHE_ENTRIES = 256
"""Parsed and validated documents kept, each cache."""


class LabSchema(strawberry.Schema):
    """The schema; its errors are coded and logged where they leave the server."""

    def process_errors(self, errors: list, execution_context: object = None) -> None:
        """Leave logging to ``errors.with_code``, which logs only unexpected errors."""


class TransportRules(SchemaExtension):
    """Subscriptions over the websocket only, everything else over HTTP; errors leaving
    over the websocket coded as over HTTP.

    A websocket's context lives as long as the connection, so queries and mutations,
    whose loaders cache per request, are not served over it.
    """

    def on_execute(self) -> Iterator[None]:
        """Refuse an operation sent over the wrong transport."""
        execution = self.execution_context
        subscription = execution.operation_type is OperationType.SUBSCRIPTION
        if subscription != isinstance(execution.context, SocketContext):
            raise BadInput(
                "subscriptions go over the websocket at /graphql, queries and mutations over HTTP"
            )
        yield

    def on_stream_result(self, result: object) -> Iterator[None]:
        """Give each streamed result's errors their codes, masking unexpected ones."""
        coded(result)  # type: ignore[arg-type]
        yield


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema, bounded in tokens, depth and aliases."""
    settings = settings or Settings()
    return LabSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=MESSAGE_TYPES,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=SharedEventExecutor,
        extensions=_extensions(settings),
    )


def _extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """A fresh set of extensions per request (an extension holds its request's context),
    over parse and validation caches shared by all requests.

    The limits' validation rules are made once: the validation cache is keyed by the
    rules, so rules made per request would never hit it.
    """
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_ENTRIES),
        lambda: AddValidationRules(limits),
        lambda: ValidationCache(maxsize=CACHE_ENTRIES),
        TransportRules,
    ]
