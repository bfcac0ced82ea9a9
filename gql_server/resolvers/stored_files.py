"""Text LAVA keeps in files (device dictionaries, templates, health checks, worker
configuration), stored and returned as given. Callers check who may read or write."""

from __future__ import annotations

import enum

from sqlalchemy import select

from gql_server.db.models import StoredFile
from gql_server.resolvers.context import RequestContext


class FileKind(enum.StrEnum):
    DEVICE_DICTIONARY = "device_dictionary"
    DEVICE_TYPE_TEMPLATE = "device_type_template"
    HEALTH_CHECK = "health_check"
    WORKER_CONFIG = "worker_config"
    WORKER_ENV = "worker_env"
    WORKER_ENV_DUT = "worker_env_dut"


async def read_file(ctx: RequestContext, kind: FileKind, name: str) -> str | None:
    """The stored text, or None when nothing was stored."""
    statement = select(StoredFile.content).where(
        StoredFile.kind == kind.value, StoredFile.name == name
    )
    async with ctx.db() as session:
        return (await session.scalars(statement)).first()


async def write_file(ctx: RequestContext, kind: FileKind, name: str, content: str) -> None:
    """Store ``content`` as the text of (kind, name), replacing what was there."""
    async with ctx.db() as session:
        stored = (
            await session.scalars(
                select(StoredFile).where(StoredFile.kind == kind.value, StoredFile.name == name)
            )
        ).first()
        if stored is None:
            session.add(StoredFile(kind=kind.value, name=name, content=content))
        else:
            stored.content = content
        await ctx.commit(session)


async def delete_file(ctx: RequestContext, kind: FileKind, name: str) -> bool:
    """Forget the text of (kind, name); False when there was none."""
    async with ctx.db() as session:
        stored = (
            await session.scalars(
                select(StoredFile).where(StoredFile.kind == kind.value, StoredFile.name == name)
            )
        ).first()
        if stored is None:
            return False
        await session.delete(stored)
        await ctx.commit(session)
    return True
