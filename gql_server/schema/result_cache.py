"""Whole responses of read-only GraphQL queries, kept per viewer until the lab changes.

GraphQL execution in Python costs microseconds per field, so a dashboard polling the same
query is served from here: the response bytes of a successful query are kept under the
key (viewer, request body) until any write through this process (a bump of the
:class:`ChangeCounter`) or until ``ttl`` seconds have passed, which bounds how stale an
answer can be after a write made by another process.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import json
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError

from gql_server.resolvers.changes import ChangeCounter

Answer = TypeVar("Answer")


@dataclasses.dataclass(frozen=True)
class CachedResponse:
    body: bytes
    version: int
    expires: float


@functools.lru_cache(maxsize=512)
def _is_query(document: str, operation_name: str | None) -> bool:
    try:
        parsed = parse(document)
    except GraphQLError:
        return False
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    return len(chosen) == 1 and chosen[0].operation is OperationType.QUERY


def cacheable(body: bytes) -> bool:
    """Whether a POST body holds a single read-only query (not a mutation or subscription)."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return False
    name = request.get("operationName")
    return _is_query(request["query"], name if isinstance(name, str) else None)


class ResultCache:
    """A bounded, least-recently-used map of response bodies, valid for one lab version."""

    def __init__(
        self,
        changes: ChangeCounter,
        ttl: float,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.changes = changes
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: collections.OrderedDict[tuple, CachedResponse] = collections.OrderedDict()
        self._computing: dict[tuple, asyncio.Future[bytes | None]] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl > 0 and self.max_entries > 0

    def get(self, key: tuple) -> bytes | None:
        """The cached body for ``key``, if still current."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != self.changes.version or entry.expires <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.body

    def join(self, key: tuple) -> asyncio.Future[bytes | None] | None:
        """The computation of ``key`` already under way, or None after claiming it.

        Whoever gets None computes the response and must call :meth:`finish`; the others
        await the future, so that an expired entry is recomputed once, not once per caller.
        """
        running = self._computing.get(key)
        if running is None:
            self._computing[key] = asyncio.get_running_loop().create_future()
        return running

    def finish(self, key: tuple, body: bytes | None, version: int) -> None:
        """Publish the outcome of a claimed computation (None: not cacheable)."""
        if body is not None:
            self.put(key, body, version)
        waiting = self._computing.pop(key, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(body)

    def put(self, key: tuple, body: bytes, version: int) -> None:
        """Keep a body computed while the lab was at ``version``."""
        if version != self.changes.version:
            return
        self._entries[key] = CachedResponse(body, version, self.clock() + self.ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def reuse(
        self, key: tuple, compute: Callable[[], Awaitable[tuple[Answer, bytes | None]]]
    ) -> Answer | bytes:
        """The body kept for ``key`` while the lab is unchanged, or what ``compute`` answers.

        ``compute`` returns (answer, the body to keep, or None when the answer must not be
        kept). Concurrent callers of one key share one computation; when it keeps nothing,
        each of them computes its own answer.
        """
        cached = self.get(key)
        if cached is not None:
            return cached
        running = self.join(key)
        if running is not None:
            cached = await asyncio.shield(running)
            return cached if cached is not None else (await compute())[0]
        version = self.changes.version
        kept = None
        try:
            answer, kept = await compute()
        finally:
            self.finish(key, kept, version)
        return answer
