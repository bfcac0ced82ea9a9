"""The durable delivery queue of notifications (decisions.md §12).

Rows of :class:`~gql_server.db.models.NotificationDelivery` are written by
:func:`enqueue` in the caller's transaction (an outbox: nothing is queued unless the
caller commits) and delivered by :func:`run_notifier`, a task of its own.

Delivery is at least once. A worker *claims* a due row by a conditional ``UPDATE`` that
counts the attempt and moves ``next_attempt`` to the end of a lease
(``notify_lease_seconds``); it commits the claim, sends, then records the outcome with
another conditional ``UPDATE``. Two workers never hold the same row: on PostgreSQL the
second ``UPDATE`` waits for the first to commit and then no longer matches; on SQLite
writes are serialised. A restart loses nothing: pending rows stay pending, and a row
recorded ``sent`` is never claimed again. A worker that dies between the send and the
record leaves the row claimed; when its lease ends, the row is due again and is sent a
second time (an email, IRC line or callback cannot be taken back, and no receiver here
can deduplicate). A row that keeps killing its worker still reaches the retry limit,
since attempts are counted when claimed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gql_server.config import Settings
from gql_server.db.engine import dialect_insert
from gql_server.db.models import NotificationDelivery
from gql_server.db.types import utcnow
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.resolvers.changes import ChangeCounter

logger = logging.getLogger(__name__)

CRITERIA = "criteria"
"""The kind of the row that evaluates a job's notify block when the job enters a state;
what it fires is queued as rows of the delivery kinds."""
DELIVERY_KINDS = ("email", "irc", "callback")
KINDS = (*DELIVERY_KINDS, CRITERIA)
PENDING, SENT, FAILED = "pending", "sent", "failed"
BATCH = 20
ERROR_LIMIT = 1000
QUIET_PAUSE_SECONDS = 0.02
"""The least pause after an empty round, so that a burst of writes costs few reads."""

Sender = Callable[[str, Mapping[str, Any]], Awaitable[None]]
"""Delivers one message to one target, or raises (see :mod:`gql_server.notify.errors`)."""


@dataclasses.dataclass(frozen=True)
class Claim:
    """A row this worker holds until ``lease_end``: what to send, and to whom."""

    id: int
    kind: str
    target: str
    message: dict[str, Any]
    attempts: int
    lease_end: dt.datetime


async def enqueue(
    session: AsyncSession,
    *,
    job_id: int,
    event: str,
    kind: str,
    target: str,
    message: Mapping[str, Any],
    now: dt.datetime | None = None,
    refused: str | None = None,
) -> None:
    """Queue one delivery in ``session``'s transaction; the caller commits.

    ``event`` names what fired (``running``, ``finished``...). ``message`` is what the
    sender of ``kind`` reads: ``{"subject", "body"}`` for ``email`` (target: the address),
    ``{"text"}`` for ``irc`` (target: ``nick@server`` or ``#channel@server``),
    ``{"method", "headers", "body"}`` for ``callback`` (target: the URL), and
    ``{"job", "state", "health"}`` for ``criteria``. A delivery that can never be made
    (``refused``: why) is kept as failed, so that its recipient sees it. Queueing the same
    (job, event, kind, target) again does nothing.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    insert = dialect_insert(session)
    now = now or utcnow()
    statement = (
        insert(NotificationDelivery)
        .values(
            job_id=job_id,
            event=event,
            kind=kind,
            target=target,
            message=dict(message),
            status=PENDING if refused is None else FAILED,
            last_error=None if refused is None else refused[:ERROR_LIMIT],
            attempts=0,
            next_attempt=now,
            created=now,
        )
        .on_conflict_do_nothing(index_elements=["job_id", "event", "kind", "target"])
    )
    await session.execute(statement)


async def claim_due(
    sessions: async_sessionmaker,
    *,
    lease_seconds: float,
    now: dt.datetime | None = None,
    limit: int = BATCH,
) -> list[Claim]:
    """Claim up to ``limit`` pending rows whose time has come, oldest first, and commit.

    The due rows are read first, so that an idle round writes nothing (on SQLite a write
    would take the database's write lock); then one ``UPDATE`` re-checks the condition,
    so that a row another worker claimed meanwhile is not claimed twice.
    """
    now = now or utcnow()
    lease_end = now + dt.timedelta(seconds=lease_seconds)
    table = NotificationDelivery
    due = (table.status == PENDING, table.next_attempt <= now)
    oldest = select(table.id).where(*due).order_by(table.next_attempt, table.id).limit(limit)
    async with sessions() as session:
        ids = list(await session.scalars(oldest))
        if not ids:
            return []
        claimed = await session.execute(
            update(table)
            .where(table.id.in_(ids), *due)
            .values(attempts=table.attempts + 1, next_attempt=lease_end)
            .returning(table.id, table.kind, table.target, table.message, table.attempts)
            .execution_options(synchronize_session=False)
        )
        rows = claimed.all()
        await session.commit()
    return [
        Claim(row.id, row.kind, row.target, row.message, row.attempts, lease_end)
        for row in sorted(rows, key=lambda row: row.id)
    ]


def retry_delay(settings: Settings, attempts: int) -> dt.timedelta:
    """The back-off after ``attempts`` failed attempts: doubling, capped."""
    seconds = settings.notify_backoff_seconds * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=min(seconds, settings.notify_backoff_max_seconds))


def _outcome_values(
    settings: Settings, claim: Claim, error: DeliveryError | None, now: dt.datetime
) -> dict[str, Any]:
    if error is None:
        values: dict[str, Any] = {"status": SENT, "sent": now, "last_error": None}
    else:
        text = (str(error) or type(error).__name__)[:ERROR_LIMIT]
        final = (
            isinstance(error, PermanentDeliveryError)
            or claim.attempts >= settings.notify_retry_limit
        )
        values = {"last_error": text}
        if final:
            values["status"] = FAILED
        else:
            values["next_attempt"] = now + retry_delay(settings, claim.attempts)
    if claim.kind == "callback" and values.get("status") in (SENT, FAILED):
        values["message"] = {}  # the request holds the secret; nothing will send it again
    return values


async def record_outcomes(
    sessions: async_sessionmaker,
    settings: Settings,
    outcomes: Sequence[tuple[Claim, DeliveryError | None]],
    now: dt.datetime | None = None,
) -> None:
    """Mark claimed rows sent, due again after a back-off, or failed for good, in one
    transaction; a callback done with forgets its request, so that its secret is not kept
    at rest.

    A row whose claim was lost (its lease ended and another worker claimed it) is left
    as it is.
    """
    now = now or utcnow()
    table = NotificationDelivery
    async with sessions() as session:
        for claim, error in outcomes:
            await session.execute(
                update(table)
                .where(
                    table.id == claim.id,
                    table.status == PENDING,
                    table.attempts == claim.attempts,
                )
                .values(**_outcome_values(settings, claim, error, now))
            )
        await session.commit()


class _Recorder:
    """Records outcomes as sends finish, many to a transaction: whoever takes the turn
    writes every outcome waiting, so concurrent sends do not queue for the database's
    write lock one commit each. Each caller returns once its own outcome is committed."""

    def __init__(self, sessions: async_sessionmaker, settings: Settings, now: dt.datetime | None):
        self.sessions, self.settings, self.now = sessions, settings, now
        self.waiting: list[tuple[Claim, DeliveryError | None]] = []
        self.turn = asyncio.Lock()

    async def record(self, claim: Claim, error: DeliveryError | None) -> None:
        self.waiting.append((claim, error))
        async with self.turn:
            batch, self.waiting = self.waiting, []
            if batch:
                await record_outcomes(self.sessions, self.settings, batch, self.now)


async def _deliver(sender: Sender | None, claim: Claim) -> DeliveryError | None:
    if sender is None:
        return PermanentDeliveryError(f"no sender for {claim.kind} notifications")
    try:
        await sender(claim.target, claim.message)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # a sender's bug must not stop the queue
        logger.exception("notification %s: the %s sender failed", claim.id, claim.kind)
        return DeliveryError(f"{type(exc).__name__} in the {claim.kind} sender")
    return None


async def deliver_due(
    sessions: async_sessionmaker,
    settings: Settings,
    senders: Mapping[str, Sender],
    *,
    now: dt.datetime | None = None,
) -> int:
    """Claim the due rows, send them concurrently, record each outcome; returns how many
    were claimed. ``now`` fixes the clock (tests); by default the current time."""
    claims = await claim_due(sessions, lease_seconds=settings.notify_lease_seconds, now=now)
    recorder = _Recorder(sessions, settings, now)

    async def one(claim: Claim) -> None:
        error = await _deliver(senders.get(claim.kind), claim)
        if error is not None:
            logger.warning("notification %s (%s) not sent: %s", claim.id, claim.kind, error)
        await recorder.record(claim, error)

    await asyncio.gather(*(one(claim) for claim in claims))
    return len(claims)


async def run_notifier(
    sessions: async_sessionmaker,
    settings: Settings,
    senders: Mapping[str, Sender],
    changes: ChangeCounter | None = None,
) -> None:
    """Deliver due notifications until cancelled; run it as a task of its own.

    A round that claimed rows is followed by another at once (its rows may have queued
    more, and more may be due). After an empty round the notifier waits for a change made
    through ``changes`` (a job's notify evaluation is queued by one) or for
    ``notify_poll_seconds``, whichever comes first. Database errors are logged and the
    round retried. Cancelled, it first lets the current round finish (each send is
    bounded by its time-out) and record its outcomes, so that a stop leaves no row
    claimed and sends nothing twice.
    """
    changes = changes or ChangeCounter()
    while True:
        seen = changes.version
        current = asyncio.ensure_future(_round(sessions, settings, senders))
        try:
            claimed = await asyncio.shield(current)
        except asyncio.CancelledError:
            await current
            raise
        if not claimed:
            await asyncio.sleep(QUIET_PAUSE_SECONDS)
            await changes.wait(settings.notify_poll_seconds, since=seen)


async def _round(
    sessions: async_sessionmaker, settings: Settings, senders: Mapping[str, Sender]
) -> int:
    try:
        return await deliver_due(sessions, settings, senders)
    except Exception:
        logger.exception("notifier round failed; retrying")
        return 0
