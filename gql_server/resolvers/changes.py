"""A process-wide count of writes, and values derived from the lab that last until one.

Writes made by this process bump the counter at once. Writes made elsewhere (another
server process, the command line) are seen after at most ``max_staleness`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class _Derived:
    value: Any
    version: int
    expires: float


class ChangeCounter:
    """Bumped after every committed write made through the resolvers of this process."""

    def __init__(
        self, max_staleness: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.version = 0
        self.max_staleness = max_staleness
        self.clock = clock
        self._derived: dict[str, _Derived] = {}
        self._changed: asyncio.Event | None = None

    def bump(self) -> None:
        """Record that the lab changed, and wake whoever waits for a change."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait(self, timeout: float, since: int) -> None:
        """Return once the version differs from ``since`` (the version the caller last
        acted on) through a change made by this process, or after ``timeout`` seconds.

        Every waiter is woken by a change, and a change made before the call, after the
        caller read ``since``, is not missed.
        """
        if self.version != since:
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def derived(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """A value computed from the lab, reused until the next write or until it ages out."""
        entry = self._derived.get(key)
        if entry is not None and entry.version == self.version and entry.expires > self.clock():
            return entry.value
        version = self.version
        value = await compute()
        if version == self.version and self.max_staleness > 0:
            self._derived[key] = _Derived(value, version, self.clock() + self.max_staleness)
        return value
