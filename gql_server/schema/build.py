"""Assemble the strawberry schema with its limits and caches."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from gql_server.config import Settings
from gql_server.schema.mutation import Mutation
from gql_server.schema.query import Query


class LabSchema(strawberry.Schema):
    """The schema; its errors are coded and logged where they leave the server."""

    def process_errors(self, errors: list, execution_context: object = None) -> None:
        """Leave logging to ``errors.with_code``, which logs only unexpected errors."""


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema, bounded in tokens, depth and aliases."""
    settings = settings or Settings()
    return LabSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            MaxTokensLimiter(max_token_count=settings.max_tokens),
            ParserCache(maxsize=256),
            QueryDepthLimiter(max_depth=settings.max_query_depth),
            MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            ValidationCache(maxsize=256),
        ],
    )
