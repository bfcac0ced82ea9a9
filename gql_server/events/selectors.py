"""Which events reach a subscriber: its own filter, then what its viewer may see.

Visibility is decided once per event for each kind of viewer (and version of the lab, as
this process knows it) and shared by every subscriber of that kind, so a thousand
anonymous clients cost one visibility check per event, not a thousand, even when they
all ask at once. Decisions are kept for a bounded number of events.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.subscriptions import Published, visible_events

Select = Callable[[list[Published]], Awaitable[list[Published]]]

DECISIONS_KEPT = 50_000


def fresh_context(template: RequestContext) -> RequestContext:
    """A new request context for the template's viewer: its own session, memo and lifetime."""
    return RequestContext(
        template.sessions, template.viewer, template.changes, template.topic_prefix
    )


class SharedVisibility:
    """Visibility decisions shared by the subscribers of one process."""

    def __init__(self, kept: int = DECISIONS_KEPT) -> None:
        self.kept = kept
        self._decided: OrderedDict[tuple[Hashable, int], bool] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future[set[int]]] = {}

    def selector(
        self,
        template: RequestContext,
        matches: Callable[[Published], bool],
        *,
        every_job: bool = False,
    ) -> Select:
        """A selector keeping the events ``matches`` accepts that the template's viewer may
        see (every job's, with ``every_job``)."""

        async def select(batch: list[Published]) -> list[Published]:
            wanted = [item for item in batch if matches(item)]
            return await self._visible(template, wanted, every_job) if wanted else []

        return select

    async def _visible(
        self, template: RequestContext, items: list[Published], every_job: bool
    ) -> list[Published]:
        kind = (template.viewer, every_job, template.changes.version)
        undecided = tuple(item for item in items if (kind, item.seq) not in self._decided)
        shown: set[int] = set()
        if undecided:
            shown = await self._decision(template, kind, undecided, every_job)
        return [
            item
            for item in items
            if item.seq in shown or self._decided.get((kind, item.seq), False)
        ]

    def _decision(
        self,
        template: RequestContext,
        kind: Hashable,
        items: tuple[Published, ...],
        every_job: bool,
    ) -> asyncio.Future[set[int]]:
        """The sequences of ``items`` the kind of viewer may see, decided once: subscribers
        asking about the same events at the same time share one decision."""
        key = (kind, tuple(item.seq for item in items))
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(self._decide(template, kind, items, every_job))
            self._running[key] = running
            running.add_done_callback(lambda _: self._running.pop(key, None))
        return asyncio.shield(running)

    async def _decide(
        self,
        template: RequestContext,
        kind: Hashable,
        items: tuple[Published, ...],
        every_job: bool,
    ) -> set[int]:
        ctx = fresh_context(template)
        try:
            shown = {item.seq for item in await visible_events(ctx, items, every_job=every_job)}
        finally:
            await ctx.close()
        for item in items:
            self._decided[(kind, item.seq)] = item.seq in shown
        while len(self._decided) > self.kept:
            self._decided.popitem(last=False)
        return shown
