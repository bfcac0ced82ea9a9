"""Events from outside, validated and recorded: pushed to our internal PULL socket, or
read from an existing LAVA lava-publisher (``serve --events-from``) with a SUB socket.

Each valid event goes into the outbox (and so out through our publisher and to every
subscriber, in order with our own events). Malformed messages are counted and dropped;
the stream goes on.
"""

from __future__ import annotations

import logging

import zmq
import zmq.asyncio
from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.events.wire import MalformedEvent, decode
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.events import record_external_event

logger = logging.getLogger("gql_server.ingest")

INGESTOR = Viewer(is_superuser=True)
MAX_MESSAGE_BYTES = 1_000_000


class Ingestor:
    """Receives pushed events on ``endpoint`` and records them."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        changes: ChangeCounter,
        endpoint: str,
        topic_prefix: str,
        *,
        subscribe: bool = False,
    ) -> None:
        self.sessions = sessions
        self.changes = changes
        self.endpoint = endpoint
        self.topic_prefix = topic_prefix
        self.subscribe = subscribe
        self.recorded = 0
        self.dropped = 0

    async def run(self) -> None:
        """Receive until cancelled."""
        socket = zmq.asyncio.Context.instance().socket(zmq.SUB if self.subscribe else zmq.PULL)
        socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        socket.setsockopt(zmq.LINGER, 0)
        if self.subscribe:
            socket.setsockopt(zmq.SUBSCRIBE, self.topic_prefix.encode())
            socket.connect(self.endpoint)
            logger.info("recording the events of the publisher at %s", self.endpoint)
        else:
            socket.bind(self.endpoint)
            logger.info("receiving pushed events on %s", self.endpoint)
        try:
            while True:
                await self.take(await socket.recv_multipart())
        finally:
            socket.close()

    async def take(self, frames: list[bytes]) -> None:
        """Record one pushed message, or count it as dropped."""
        try:
            event = decode(frames, topic_prefix=self.topic_prefix)
        except MalformedEvent as exc:
            self.dropped += 1
            logger.warning("dropped a malformed pushed event (%s); %d so far", exc, self.dropped)
            return
        ctx = RequestContext(self.sessions, INGESTOR, self.changes, self.topic_prefix)
        try:
            if await record_external_event(ctx, event):
                self.recorded += 1
            else:
                self.dropped += 1
                logger.warning("dropped a pushed event already recorded: %s", event.uuid)
        finally:
            await ctx.close()
