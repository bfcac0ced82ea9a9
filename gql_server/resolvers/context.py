"""Who is asking, and the database session of one request."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gql_server.events.wire import DEFAULT_TOPIC_PREFIX
from gql_server.resolvers.changes import ChangeCounter


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The caller: a user with its groups and global permissions, or anonymous."""

    user_id: int | None = None
    username: str | None = None
    is_superuser: bool = False
    is_staff: bool = False
    group_ids: frozenset[int] = frozenset()
    permissions: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_global(self, codename: str) -> bool:
        """Whether the viewer holds a global Django permission (superusers hold all)."""
        return self.is_superuser or codename in self.permissions


ANONYMOUS = Viewer()


class RequestContext:
    """One request's viewer and its one database session, used by one task at a time.

    GraphQL executes sibling fields concurrently; ``db()`` serialises their use of the
    session so that no statement runs while another is in flight on it.
    """

    def __init__(
        self,
        sessions: async_sessionmaker,
        viewer: Viewer = ANONYMOUS,
        changes: ChangeCounter | None = None,
        topic_prefix: str = DEFAULT_TOPIC_PREFIX,
    ) -> None:
        self.sessions = sessions
        self.viewer = viewer
        self.changes = changes or ChangeCounter()
        self.topic_prefix = topic_prefix
        self.memo: dict[Any, Any] = {}
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The request's session, held exclusively for the duration of the block."""
        async with self._lock:
            if self._session is None:
                self._session = self.sessions()
            yield self._session

    async def once(self, key: Any, compute: Callable[[], Awaitable[Any]]) -> Any:
        """Compute a per-request value once, however many fields ask for it at once."""
        task = self.memo.get(key)
        if task is None:
            task = self.memo[key] = asyncio.ensure_future(compute())
        return await task

    async def commit(self, session: AsyncSession) -> None:
        """Commit a write and tell the caches that the lab changed."""
        await session.commit()
        self.changes.bump()

    async def close(self) -> None:
        """Release the session and its connection."""
        if self._session is not None:
            await self._session.close()
            self._session = None
