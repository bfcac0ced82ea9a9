"""The publisher: drains the outbox, in order, to a ZMQ PUB socket in LAVA's wire format.

Each batch is numbered (claimed), sent, then marked sent. A publisher that is stopped
finishes its batch first; one that is killed between numbering and marking leaves the
batch unmarked, and the next publisher sends it before anything else: nothing committed
is lost, and only a kill can repeat the few events of one batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import zmq
import zmq.asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.db.models import EventRecord
from gql_server.events.ingest import Ingestor
from gql_server.events.wire import DEFAULT_TOPIC_PREFIX, encode
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import ANONYMOUS, RequestContext, Viewer
from gql_server.resolvers.events import claim_unpublished, confirm_sent, to_event, unsent
from gql_server.resolvers.subscriptions import Published, visible_events

logger = logging.getLogger("gql_server.publisher")

Take = Callable[[RequestContext, int], Awaitable[Sequence[EventRecord]]]

PUBLISHER = Viewer(is_superuser=True)
BATCH = 500
IDLE_POLL_S = 0.05
HEARTBEAT_MS = 5000
HEARTBEAT_TIMEOUT_MS = 15000
# Subscribers that were waiting for a (re)started publisher reconnect every 100 ms; give them
# time to subscribe before the backlog goes out, since a PUB socket drops what nobody hears.
STARTUP_GRACE_S = 0.5


def _pub_socket(context: zmq.asyncio.Context, endpoint: str) -> zmq.asyncio.Socket:
    socket = context.socket(zmq.PUB)
    socket.setsockopt(zmq.HEARTBEAT_IVL, HEARTBEAT_MS)
    socket.setsockopt(zmq.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT_MS)
    socket.setsockopt(zmq.HEARTBEAT_TTL, HEARTBEAT_TIMEOUT_MS)
    socket.setsockopt(zmq.LINGER, 1000)
    socket.bind(endpoint)
    return socket


class Publisher:
    """Publishes committed events; wakes at once for this process's writes, else polls."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        changes: ChangeCounter,
        endpoint: str,
        private_jobs: bool = False,
    ) -> None:
        self.sessions = sessions
        self.changes = changes
        self.endpoint = endpoint
        self.private_jobs = private_jobs

    async def run(self) -> None:
        """Publish until cancelled."""
        context = zmq.asyncio.Context.instance()
        socket = _pub_socket(context, self.endpoint)
        logger.info("publishing events on %s", self.endpoint)
        await asyncio.sleep(STARTUP_GRACE_S)
        try:
            while await self._whole_batch(socket, unsent):
                pass
            while True:
                seen = self.changes.version
                if not await self._whole_batch(socket, claim_unpublished):
                    await self.changes.wait(IDLE_POLL_S, since=seen)
        finally:
            socket.close()

    async def _whole_batch(self, socket: zmq.asyncio.Socket, take: Take) -> int:
        """Publish one batch; cancelled meanwhile, finish the batch first (so a stopping
        publisher neither drops nor repeats events)."""
        batch = asyncio.ensure_future(self.publish_batch(socket, take))
        try:
            return await asyncio.shield(batch)
        except asyncio.CancelledError:
            await batch
            raise

    async def publish_batch(self, socket: zmq.asyncio.Socket, take: Take) -> int:
        """Send the events ``take`` gives (claimed, or left unsent by a stopped publisher),
        then mark them sent; returns how many."""
        ctx = RequestContext(self.sessions, PUBLISHER, self.changes)
        try:
            records = await take(ctx, BATCH)
            published = [Published(record.seq, to_event(record)) for record in records]
            for item in await self._open_stream(published):
                await socket.send_multipart(encode(item.event))
            if published:
                await confirm_sent(ctx, published[-1].seq)
        finally:
            await ctx.close()
        return len(records)

    async def _open_stream(self, published: list[Published]) -> list[Published]:
        """What the open stream carries: what anyone may see, as on the open ``/ws/``.

        Private jobs' events go out only with ``private_jobs``; the others stay in the
        outbox for the subscribers allowed to see them (GraphQL, authenticated ``/ws/``).
        """
        anonymous = RequestContext(self.sessions, ANONYMOUS, self.changes)
        try:
            return await visible_events(anonymous, published, every_job=self.private_jobs)
        finally:
            await anonymous.close()


async def run_publisher(
    sessions: async_sessionmaker,
    changes: ChangeCounter,
    endpoint: str,
    *,
    internal_endpoint: str | None = None,
    topic_prefix: str = DEFAULT_TOPIC_PREFIX,
    private_jobs: bool = False,
) -> None:
    """Publish the outbox on ``endpoint`` and record events pushed to ``internal_endpoint``.

    Private jobs' events go out only with ``private_jobs``. Database errors are logged and
    retried; a socket that cannot be bound is logged and ends that loop (events wait in
    the outbox).
    """
    publisher = Publisher(sessions, changes, endpoint, private_jobs)
    async with asyncio.TaskGroup() as loops:  # cancelled, it waits for each loop to end
        loops.create_task(_keep_running("publisher", publisher.run))
        if internal_endpoint:
            ingestor = Ingestor(sessions, changes, internal_endpoint, topic_prefix)
            loops.create_task(_keep_running("ingestor", ingestor.run))


async def _keep_running(name: str, run: Callable[[], Awaitable[None]]) -> None:
    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except zmq.ZMQError as exc:
            logger.error("%s cannot use its socket: %s; events stay in the outbox", name, exc)
            return
        except Exception:
            logger.exception("%s failed; restarting in one second", name)
            await asyncio.sleep(1)
