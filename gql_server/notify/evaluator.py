"""The sender of ``criteria`` rows: evaluates a job's notify block and queues what fires.

A row of kind ``criteria`` is queued with the job's change of state
(:func:`gql_server.resolvers.notifications.queue_notify_evaluation`). The notifier hands it
here like any delivery: the block is read, evaluated and rendered outside the request that
changed the job, and the emails, IRC lines and callbacks it fires are queued in one
transaction. Evaluating again (after a lost mark) queues nothing twice: a delivery is
unique per job, event, kind and target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.config import Settings
from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.errors import PermanentDeliveryError
from gql_server.notify.plan import deliveries
from gql_server.notify.queue import enqueue
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import LabError
from gql_server.resolvers.notifications import EVENTS, firing_of
from gql_server.resolvers.results import MalformedConditions

NOTIFIER = Viewer(is_superuser=True)


class NotifyEvaluator:
    """Evaluates the notify block named by a ``criteria`` row's message."""

    def __init__(
        self, sessions: async_sessionmaker, settings: Settings, changes: ChangeCounter
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.changes = changes

    async def __call__(self, _target: str, message: Mapping[str, Any]) -> None:
        """Queue the deliveries the job's entry into the message's state fires, if any."""
        state, health = JobState(message["state"]), JobHealth(message["health"])
        ctx = RequestContext(self.sessions, NOTIFIER, self.changes, self.settings.event_topic)
        try:
            try:
                firing = await firing_of(
                    ctx,
                    int(message["job"]),
                    state,
                    health,
                    url_prefix=self.settings.url_prefix,
                    irc_server=self.settings.irc_server,
                )
            except (LabError, MalformedConditions) as exc:
                raise PermanentDeliveryError(
                    f"the notify block cannot be evaluated: {exc}"
                ) from None
            if firing is None:
                return
            async with ctx.db() as session:
                for delivery in deliveries(firing):
                    await enqueue(
                        session,
                        job_id=firing.job.id,
                        event=EVENTS[state],
                        kind=delivery.kind,
                        target=delivery.target,
                        message=delivery.message,
                        refused=delivery.refused,
                    )
                await ctx.commit(session)
        finally:
            await ctx.close()
