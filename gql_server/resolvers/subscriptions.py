"""Event streams: published events in publication order, and who may see which.

An event's cursor is its publication sequence (``seq``), given by the publisher. Every
door that streams events (GraphQL subscriptions, ``/ws/``) reads the outbox through here
and filters with :func:`visible_events`, so a private job's events reach only those
allowed to see the job.
"""

from __future__ import annotations

import dataclasses
import hmac
import re
from collections.abc import Sequence

from sqlalchemy import func, select

from gql_server.db.models import EventRecord, Worker
from gql_server.events.wire import Event, EventKind
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput, Unauthenticated
from gql_server.resolvers.events import JOB_KINDS, job_of, to_event
from gql_server.resolvers.permissions import HiddenInventory, hidden_inventory, visible_job_ids

_CURSOR = re.compile(r"[0-9]{1,18}")


@dataclasses.dataclass(frozen=True)
class Published:
    """A published event with its publication sequence."""

    seq: int
    event: Event
    memo: dict[str, object] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    """What a door derives from the event, kept for every subscriber it goes to."""

    @property
    def cursor(self) -> str:
        """What a subscriber passes as ``after`` to resume after this event."""
        return str(self.seq)

    @property
    def kind(self) -> str:
        """The topic suffix (``testjob``, ``device``, ``worker``, ``event``)."""
        return self.event.topic.rpartition(".")[2]

    @property
    def job_id(self) -> int | None:
        """The job a ``.testjob`` or test-shell event is about."""
        return job_of(self.event)


async def last_published(ctx: RequestContext) -> int:
    """The sequence of the newest published event (0 before the first)."""
    async with ctx.db() as session:
        return await session.scalar(select(func.max(EventRecord.seq))) or 0


async def published_after(ctx: RequestContext, seq: int, limit: int) -> list[Published]:
    """Up to ``limit`` published events after sequence ``seq``, oldest first."""
    statement = (
        select(EventRecord).where(EventRecord.seq > seq).order_by(EventRecord.seq).limit(limit)
    )
    async with ctx.db() as session:
        records = list(await session.scalars(statement))
    return [Published(record.seq, to_event(record)) for record in records]


async def resume_point(
    ctx: RequestContext, after: str | None, newest: int | None = None
) -> int | None:
    """The sequence ``after`` stands for: an event's cursor, or its message id (uuid).
    ``newest`` is the newest published sequence when the caller has read it already.

    BadInput for anything this server has not published.
    """
    if after is None:
        return None
    if _CURSOR.fullmatch(after):
        newest = await last_published(ctx) if newest is None else newest
        seq: int | None = int(after) if int(after) <= newest else None
    else:
        async with ctx.db() as session:
            seq = await session.scalar(
                select(EventRecord.seq).where(EventRecord.message_id == after)
            )
    if seq is None:
        raise BadInput(f"unknown event cursor {after[:40]!r}")
    return seq


async def visible_events(
    ctx: RequestContext, events: Sequence[Published], *, every_job: bool = False
) -> list[Published]:
    """The events the viewer may see: a job's when it may see the job (or ``every_job``),
    a device's or worker's when it may see the device or worker; nothing else."""
    if ctx.viewer.is_superuser or not events:
        return list(events)
    job_ids = {item.job_id for item in events if item.job_id is not None}
    jobs = job_ids if every_job else await visible_job_ids(ctx, job_ids)
    inventory = any(item.kind in (EventKind.DEVICE, EventKind.WORKER) for item in events)
    hidden = await hidden_inventory(ctx) if inventory else HiddenInventory()

    def visible(item: Published) -> bool:
        if item.kind in JOB_KINDS:
            return item.job_id in jobs
        if item.kind == EventKind.DEVICE:
            return item.event.data.get("device") not in hidden.devices
        if item.kind == EventKind.WORKER:
            return item.event.data.get("hostname") not in hidden.workers
        return False

    return [item for item in events if visible(item)]


async def check_worker_token(ctx: RequestContext, hostname: str, token: str) -> None:
    """Raise Unauthenticated unless ``token`` is the named worker's (LAVA-Token clients)."""
    async with ctx.db() as session:
        known = await session.scalar(select(Worker.token).where(Worker.hostname == hostname))
    if known is None:
        raise Unauthenticated("Unknown worker")
    if not known or not hmac.compare_digest(known.encode(), token.encode()):
        raise Unauthenticated("Invalid worker token")
