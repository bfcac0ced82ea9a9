"""Which events reach a subscriber: its own filter, then what its viewer may see.

Visibility is decided once per event for each kind of viewer (and version of the lab, as
this process knows it) and shared by every subscriber of that kind, so a thousand
anonymous clients cost one visibility check per event, not a thousand. Decisions are
kept for a bounded number of events.
"""

from __future__ import annotations

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
        decided = {item.seq: self._decided.get((kind, item.seq)) for item in items}
        undecided = [item for item in items if decided[item.seq] is None]
        if undecided:
            ctx = fresh_context(template)
            try:
                shown = await visible_events(ctx, undecided, every_job=every_job)
            finally:
                await ctx.close()
            seen = {item.seq for item in shown}
            for item in undecided:
                decided[item.seq] = self._decided[(kind, item.seq)] = item.seq in seen
            while len(self._decided) > self.kept:
                self._decided.popitem(last=False)
        return [item for item in items if decided[item.seq]]
