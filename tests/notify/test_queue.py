"""The notification queue on each database: outbox writes, retries with back-off, leases
that survive a dead worker, and two workers that never send a row twice."""

from __future__ import annotations

import asyncio
import collections
import dataclasses

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gql_server.config import Settings
from gql_server.db.models import Base
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.notify.queue import (
    claim_due,
    deliver_due,
    enqueue,
    run_notifier,
)
from tests.support.databases import sync_url
from tests.support.notify_queue import T0, queue_sessions, rows, seconds

SETTINGS = Settings(
    notify_retry_limit=3,
    notify_backoff_seconds=10.0,
    notify_backoff_max_seconds=15.0,
    notify_lease_seconds=60.0,
    notify_poll_seconds=0.05,
)
EMAIL = {"subject": "LAVA notification for Test Job 7 smoke", "body": "Hello,\n"}


@dataclasses.dataclass
class Recorder:
    """A sender that records what it sends and fails the first ``failures`` times."""

    failures: int = 0
    error: type[DeliveryError] = DeliveryError
    sent: list[str] = dataclasses.field(default_factory=list)

    async def __call__(self, target: str, message: dict) -> None:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise self.error(f"no route to {target}")
        self.sent.append(target)


async def _enqueue(sessions, *targets: str, job_id: int = 7) -> None:
    async with sessions() as session:
        for target in targets:
            await enqueue(
                session,
                job_id=job_id,
                event="finished",
                kind="email",
                target=target,
                message=EMAIL,
                now=T0,
            )
        await session.commit()


def test_enqueue_is_an_outbox_and_ignores_duplicates(empty_database):
    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            async with sessions() as session:
                await enqueue(
                    session, job_id=1, event="finished", kind="irc", target="x", message={}
                )
                await session.rollback()
            await _enqueue(sessions, "a@example.com", "b@example.com")
            await _enqueue(sessions, "a@example.com")
            return await rows(sessions)

    queued = asyncio.run(scenario())
    assert [(r.target, r.status, r.attempts, r.message) for r in queued] == [
        ("a@example.com", "pending", 0, EMAIL),
        ("b@example.com", "pending", 0, EMAIL),
    ]


def test_a_failed_send_is_retried_after_its_back_off(empty_database):
    sender = Recorder(failures=1)

    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            await _enqueue(sessions, "a@example.com")
            first = await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0)
            after_failure = (await rows(sessions))[0]
            early = await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0 + seconds(9))
            due = await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0 + seconds(10))
            return first, after_failure, early, due, (await rows(sessions))[0]

    first, after_failure, early, due, done = asyncio.run(scenario())
    assert (first, early, due) == (1, 0, 1)
    assert after_failure.status == "pending"
    assert after_failure.next_attempt == T0 + seconds(10)
    assert after_failure.last_error == "no route to a@example.com"
    assert sender.sent == ["a@example.com"]
    assert (done.status, done.attempts, done.sent, done.last_error) == (
        "sent",
        2,
        T0 + seconds(10),
        None,
    )


def test_back_off_doubles_up_to_its_cap_then_the_row_fails(empty_database):
    sender = Recorder(failures=10)

    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            await _enqueue(sessions, "a@example.com")
            now, schedule = T0, []
            while await deliver_due(sessions, SETTINGS, {"email": sender}, now=now):
                row = (await rows(sessions))[0]
                schedule.append((row.status, row.next_attempt - now))
                now = row.next_attempt
            return schedule, (await rows(sessions))[0]

    schedule, row = asyncio.run(scenario())
    assert [step[1] for step in schedule[:2]] == [seconds(10), seconds(15)]
    assert [step[0] for step in schedule] == ["pending", "pending", "failed"]
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "no route to a@example.com")
    assert sender.sent == []


def test_a_permanent_error_fails_at_once(empty_database):
    sender = Recorder(failures=1, error=PermanentDeliveryError)

    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            await _enqueue(sessions, "a@example.com")
            await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0)
            later = await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0 + seconds(999))
            return later, (await rows(sessions))[0]

    later, row = asyncio.run(scenario())
    assert later == 0
    assert (row.status, row.attempts) == ("failed", 1)


def test_a_worker_killed_after_its_claim_loses_nothing(empty_database):
    sender = Recorder()

    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            await _enqueue(sessions, "a@example.com", "b@example.com")
            claims = await claim_due(sessions, lease_seconds=60, now=T0)
        # The worker is gone without recording anything; a new one starts.
        async with queue_sessions(empty_database, migrated=True) as sessions:
            during_lease = await deliver_due(
                sessions, SETTINGS, {"email": sender}, now=T0 + seconds(59)
            )
            after_lease = await deliver_due(
                sessions, SETTINGS, {"email": sender}, now=T0 + seconds(60)
            )
        # Another restart: what was recorded sent is never sent again.
        async with queue_sessions(empty_database, migrated=True) as sessions:
            again = await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0 + seconds(9999))
            return len(claims), during_lease, after_lease, again, await rows(sessions)

    claimed, during_lease, after_lease, again, final = asyncio.run(scenario())
    assert (claimed, during_lease, after_lease, again) == (2, 0, 2, 0)
    assert sorted(sender.sent) == ["a@example.com", "b@example.com"]
    assert [(r.status, r.attempts) for r in final] == [("sent", 2), ("sent", 2)]


def test_two_workers_never_send_a_row_twice(empty_database):
    sender = Recorder()
    targets = [f"user{n}@example.com" for n in range(60)]

    async def worker(url: str) -> None:
        async with queue_sessions(url, migrated=True) as sessions:
            while await deliver_due(sessions, SETTINGS, {"email": sender}, now=T0):
                pass

    async def scenario():
        async with queue_sessions(empty_database) as sessions:
            await _enqueue(sessions, *targets)
            await asyncio.gather(worker(empty_database), worker(empty_database))
            return await rows(sessions)

    final = asyncio.run(scenario())
    assert collections.Counter(sender.sent) == collections.Counter(targets)
    assert {(r.status, r.attempts) for r in final} == {("sent", 1)}


class Gate:
    """A sender that holds each send until released."""

    def __init__(self) -> None:
        self.started, self.release = asyncio.Event(), asyncio.Event()
        self.sent: list[str] = []

    async def __call__(self, target: str, message: dict) -> None:
        self.started.set()
        await self.release.wait()
        self.sent.append(target)


def test_run_notifier_delivers_in_its_own_task_and_stops_after_its_round(empty_database):
    async def scenario():
        sender = Gate()
        async with queue_sessions(empty_database) as sessions:
            task = asyncio.create_task(run_notifier(sessions, SETTINGS, {"email": sender}))
            await _enqueue(sessions, "late@example.com")
            async with asyncio.timeout(30):
                await sender.started.wait()
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=0.2)
            sender.release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            return done, sender.sent, task.cancelled(), await rows(sessions)

    done_before_release, sent, cancelled, final = asyncio.run(scenario())
    assert not done_before_release  # the stop waited for the send in progress
    assert cancelled
    assert sent == ["late@example.com"]
    assert [(r.target, r.status, r.attempts) for r in final] == [("late@example.com", "sent", 1)]


def test_the_model_matches_the_migration(empty_database):
    async def scenario():
        async with queue_sessions(empty_database):
            pass

    asyncio.run(scenario())
    engine = sqlalchemy.create_engine(sync_url(empty_database))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d
            for d in compare_metadata(context, Base.metadata)
            if "gql_server_notification" in repr(d)
        ]
    engine.dispose()
    assert differences == []
