"""What every GraphQL resolver gets as ``info.context``."""

from __future__ import annotations

import dataclasses

import strawberry

from gql_server.resolvers.context import RequestContext
from gql_server.schema.loaders import Loaders


@dataclasses.dataclass
class GraphQLContext:
    """The request's resolver context and its data loaders."""

    ctx: RequestContext
    loaders: Loaders

    @classmethod
    def for_request(cls, ctx: RequestContext) -> GraphQLContext:
        return cls(ctx=ctx, loaders=Loaders(ctx))


Info = strawberry.Info[GraphQLContext, None]
