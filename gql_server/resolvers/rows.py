"""Rows read by primary key, absent ones refused."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.resolvers.errors import NotFound

Model = TypeVar("Model")


async def existing(session: AsyncSession, model: type[Model], key: object, missing: str) -> Model:
    """The ``model`` row whose primary key is ``key``; NotFound(``missing``) when there is
    none."""
    row = await session.get(model, key)
    if row is None:
        raise NotFound(missing)
    return row
