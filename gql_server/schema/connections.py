"""Relay-style connections over a resolver :class:`Page`."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry

from gql_server.resolvers.pagination import Page, PageArgs

T = TypeVar("T")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: use first/after or last/before to move.")
class Connection(Generic[T]):
    page: strawberry.Private[Page[Any]]

    @strawberry.field(description="The items of this page.")
    def nodes(self) -> list[T]:
        return self.page.items

    @strawberry.field(description="The items of this page, each with its cursor.")
    def edges(self) -> list[Edge[T]]:
        return [
            Edge(cursor=cursor, node=item)
            for cursor, item in zip(self.page.cursors, self.page.items, strict=True)
        ]

    @strawberry.field
    def page_info(self) -> PageInfo:
        cursors = self.page.cursors
        return PageInfo(
            has_next_page=self.page.has_next_page,
            has_previous_page=self.page.has_previous_page,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )

    @strawberry.field(description="How many items the whole list holds (one extra query).")
    async def total_count(self) -> int:
        return await self.page.count()


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageArgs:
    """Resolver page arguments from GraphQL ones."""
    return PageArgs(first=first, after=after, last=last, before=before)
