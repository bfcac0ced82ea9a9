"""The subscription hub: one per server process, fanning published events out to streams.

The hub follows the outbox by publication sequence. A ZMQ SUB socket on the publisher is
its doorbell: when frames arrive (and every ``poll_seconds`` without any) it reads the
events published after the last one it has seen and offers each to every subscriber's
bounded queue. Reading the outbox rather than the frames gives each event its cursor and
its place in the publication order, works whichever process publishes, and loses nothing
when ZMQ drops frames (slow joiners, high-water marks, a restarting publisher). Events of
outside producers (pushed, or later relayed from another LAVA) reach the hub once recorded
in the outbox, like ours.

A subscriber whose queue is full is dropped: its queue is emptied, it is told so, and the
hub forgets it, so the server's memory does not grow with a client that stops reading.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator

import zmq
import zmq.asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.events.selectors import Select, SharedVisibility
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import LabError
from gql_server.resolvers.subscriptions import Published, last_published, published_after

logger = logging.getLogger("gql_server.hub")

HUB = Viewer(is_superuser=True)
BATCH = 500
DOORBELL_HWM = 100
_WILDCARD_HOSTS = {"*", "0.0.0.0"}


class SubscriberTooSlow(LabError):
    """The subscriber fell a whole queue behind and was dropped."""

    code = "SUBSCRIBER_TOO_SLOW"


@dataclasses.dataclass(frozen=True)
class Started:
    """First item of every stream: what follows is each selected event after ``seq``."""

    seq: int

    @property
    def cursor(self) -> str:
        """The stream's starting point, usable as ``after`` like an event's cursor."""
        return str(self.seq)


def connect_endpoint(endpoint: str) -> str:
    """Where a subscriber connects to reach a PUB socket bound at ``endpoint``."""
    scheme, _, address = endpoint.partition("://")
    host, _, port = address.rpartition(":")
    if scheme == "tcp" and host in _WILDCARD_HOSTS:
        return f"tcp://127.0.0.1:{port}"
    return endpoint


class Subscription:
    """One subscriber's bounded queue, filled by the hub."""

    def __init__(self, position: int, size: int) -> None:
        self.position = position
        self._queue: asyncio.Queue[Published | None] = asyncio.Queue(size)

    def offer(self, item: Published) -> bool:
        """Queue an event; when the queue is full, empty it, mark it dropped, return False."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)
            return False
        return True

    async def take(self) -> list[Published]:
        """Every queued event, waiting for one; raises SubscriberTooSlow once dropped."""
        items = [await self._queue.get()]
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        if items[-1] is None:
            raise SubscriberTooSlow("too slow to keep up: events were dropped; resume with after")
        return items  # type: ignore[return-value]  # None only ever comes last


class Hub:
    """Follows the outbox and feeds every open stream of this process."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        changes: ChangeCounter,
        endpoint: str,
        *,
        queue_size: int = 1000,
        poll_seconds: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.changes = changes
        self.endpoint = connect_endpoint(endpoint)
        self.queue_size = queue_size
        self.poll_seconds = poll_seconds
        self.position: int | None = None
        self.visibility = SharedVisibility()
        self._subscribers: set[Subscription] = set()
        self._ready = asyncio.Event()

    async def run(self) -> None:
        """Follow the outbox until cancelled; database errors are logged and retried."""
        socket = zmq.asyncio.Context.instance().socket(zmq.SUB)
        socket.setsockopt(zmq.RCVHWM, DOORBELL_HWM)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        try:
            socket.connect(self.endpoint)
            logger.info("following events published on %s", self.endpoint)
        except zmq.ZMQError as exc:
            logger.error(
                "cannot connect to %s (%s); reading the outbox by polling", self.endpoint, exc
            )
        try:
            while True:
                try:
                    await self._catch_up()
                except Exception:
                    logger.exception("cannot read the event outbox; retrying")
                await self._doorbell(socket)
        finally:
            socket.close()

    async def _doorbell(self, socket: zmq.asyncio.Socket) -> None:
        """Return once frames arrived (taking those waiting) or after ``poll_seconds``."""
        if await socket.poll(self.poll_seconds * 1000):
            for _ in range(DOORBELL_HWM):
                if not await socket.poll(0):
                    break
                await socket.recv_multipart()

    async def _catch_up(self) -> None:
        ctx = RequestContext(self.sessions, HUB, self.changes)
        try:
            if self.position is None:
                self.position = await last_published(ctx)
                self._ready.set()
            page = min(BATCH, self.queue_size)  # a full queue means one page was not taken
            while True:
                batch = await published_after(ctx, self.position, page)
                if batch:
                    self.position = batch[-1].seq
                    self._fan_out(batch)
                if len(batch) < page:
                    return
        finally:
            await ctx.close()

    def _fan_out(self, batch: list[Published]) -> None:
        for subscription in list(self._subscribers):
            if not all(subscription.offer(item) for item in batch):
                self._subscribers.discard(subscription)
                logger.warning("dropped a subscriber %d events behind", self.queue_size)

    async def _read(self, seq: int) -> list[Published]:
        ctx = RequestContext(self.sessions, HUB, self.changes)
        try:
            return await published_after(ctx, seq, BATCH)
        finally:
            await ctx.close()

    async def stream(
        self, select: Select, after: int | None = None
    ) -> AsyncIterator[Started | Published]:
        """:class:`Started` once subscribed, then the events ``select`` keeps: those after
        ``after`` from the outbox when given, then live ones; each once, in order."""
        await self._ready.wait()
        assert self.position is not None
        subscription = Subscription(self.position, self.queue_size)
        self._subscribers.add(subscription)
        try:
            seen = subscription.position if after is None else after
            yield Started(seen)
            catching_up = after is not None
            while True:
                if catching_up:
                    batch = await self._read(seen)
                    catching_up = len(batch) == BATCH
                else:
                    batch = [item for item in await subscription.take() if item.seq > seen]
                if batch:
                    seen = batch[-1].seq
                    for item in await select(batch):
                        yield item
        finally:
            self._subscribers.discard(subscription)
