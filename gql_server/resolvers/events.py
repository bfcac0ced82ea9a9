"""The event outbox: events are recorded with the change they report, then published."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import Device, EventRecord, PublisherMark, TestJob, User
from gql_server.db.types import utcnow
from gql_server.events.wire import Event, EventKind, job_event
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.notifications import queue_notify_evaluation


def record_event(session: AsyncSession, event: Event, job_id: int | None = None) -> None:
    """Add ``event`` to the outbox in the session's transaction (published once committed)."""
    session.add(
        EventRecord(
            topic=event.topic,
            message_id=event.uuid,
            created=event.timestamp,
            username=event.username,
            data=json.dumps(event.data),
            job_id=job_id,
            device=device_of(event),
        )
    )


def to_event(record: EventRecord) -> Event:
    """The wire event a stored record stands for."""
    return Event(
        topic=record.topic,
        uuid=record.message_id,
        timestamp=record.created,
        username=record.username,
        data=json.loads(record.data),
    )


async def claim_unpublished(ctx: RequestContext, limit: int) -> Sequence[EventRecord]:
    """Give the oldest unpublished events their publication sequence numbers, and return them.

    Only one publisher may run against a database: it alone numbers events.
    """
    async with ctx.db() as session:
        records = list(
            await session.scalars(
                select(EventRecord)
                .where(EventRecord.seq.is_(None))
                .order_by(EventRecord.id)
                .limit(limit)
            )
        )
        if not records:
            await session.rollback()
            return []
        last = await session.scalar(select(func.max(EventRecord.seq)))
        next_seq = (last or 0) + 1
        for offset, record in enumerate(records):
            record.seq = next_seq + offset
        await session.commit()
        return records


async def unsent(ctx: RequestContext, limit: int) -> Sequence[EventRecord]:
    """Events numbered for publication but not confirmed sent (a publisher stopped between
    numbering and sending them), oldest first."""
    async with ctx.db() as session:
        sent = await session.scalar(select(PublisherMark.sent_through).where(PublisherMark.id == 1))
        statement = select(EventRecord).where(EventRecord.seq > (sent or 0))
        return list(await session.scalars(statement.order_by(EventRecord.seq).limit(limit)))


async def confirm_sent(ctx: RequestContext, seq: int) -> None:
    """Record that every event up to publication sequence ``seq`` was sent."""
    async with ctx.db() as session:
        await session.execute(
            update(PublisherMark).where(PublisherMark.id == 1).values(sent_through=seq)
        )
        await session.commit()


JOB_KINDS = frozenset({EventKind.TESTJOB.value, EventKind.EVENT.value})


def job_of(event: Event) -> int | None:
    """The job a ``.testjob`` or test-shell event is about (a device event's ``job`` is the
    device's current job, not its subject)."""
    job = event.data.get("job")
    if event.kind in JOB_KINDS and isinstance(job, int) and not isinstance(job, bool):
        return job
    return None


DEVICE_NAME_LENGTH: int = EventRecord.__table__.c.device.type.length


def device_of(event: Event) -> str | None:
    """The device a ``.device`` event is about (a job's event names its device too, but is
    about the job); None for other events and for names no device can have."""
    device = event.data.get("device")
    if event.kind is EventKind.DEVICE and isinstance(device, str):
        return device if len(device) <= DEVICE_NAME_LENGTH else None
    return None


async def record_external_event(ctx: RequestContext, event: Event) -> bool:
    """Record an event pushed by an outside producer; False when its id was already seen."""
    async with ctx.db() as session:
        known = await session.scalar(
            select(EventRecord.id).where(EventRecord.message_id == event.uuid)
        )
        if known is not None:
            return False
        record_event(session, event, job_id=job_of(event))
        await ctx.commit(session)
    return True


async def record_job_change(ctx: RequestContext, session: AsyncSession, job: TestJob) -> None:
    """Put the job's ``.testjob`` event (as it is now) in the outbox of the session, and
    the evaluation of its notify block when it has entered Running or Finished."""
    submitter = await session.scalar(select(User.username).where(User.id == job.submitter_id))
    worker = None
    if job.actual_device_id is not None:
        worker = await session.scalar(
            select(Device.worker_host_id).where(Device.hostname == job.actual_device_id)
        )
    record_event(
        session,
        job_event(
            job,
            submitter=submitter or "",
            device_type=job.requested_device_type_id,
            worker=worker,
            timestamp=utcnow(),
            topic_prefix=ctx.topic_prefix,
        ),
        job_id=job.id,
    )
    await queue_notify_evaluation(session, job)
