"""SQL statements a resolver call runs against the lab's database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import event

from gql_server.db.engine import create_engine, session_factory
from gql_server.resolvers.context import RequestContext, Viewer


def page_statements(
    lab, viewer: Viewer, read: Callable[[RequestContext, int], Awaitable[int]], limit: int
) -> tuple[int, int]:
    """How many statements ``read`` runs as ``viewer`` for one page of ``limit`` rows, and
    the rows it counted."""

    async def run() -> tuple[int, int]:
        engine = create_engine(lab.database_url)
        counted = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *_a: counted.append(1))
        ctx = RequestContext(session_factory(engine), viewer)
        try:
            rows = await read(ctx, limit)
        finally:
            await ctx.close()
            await engine.dispose()
        return len(counted), rows

    return asyncio.run(run())
