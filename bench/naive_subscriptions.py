"""Baseline: a plain strawberry app relaying lava-publisher events as subscriptions.

It is what a first strawberry event server looks like: each subscription opens its own
ZMQ SUB socket on the publisher, decodes each event's five frames and yields it; strawberry
executes the subscriber's selection for each event and each subscriber. It serves the
same ``deviceEvents(hostname:)`` field, in the same shape, as gql-server, so that the
difference in events/s is the cost of the delivery path.

    python bench/naive_subscriptions.py --events tcp://127.0.0.1:5500 --port 8002
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator

import strawberry
import uvicorn
import zmq
import zmq.asyncio
from strawberry.asgi import GraphQL


@strawberry.interface
class EventMessage:
    cursor: str


@strawberry.type
class SubscriptionStarted(EventMessage):
    live: bool = True


@strawberry.type
class DeviceEvent(EventMessage):
    hostname: str
    health: str
    state: str


@strawberry.type
class Query:
    ok: bool = True


def subscription_type(endpoint: str) -> type:
    """The Subscription root, reading events from the PUB socket at ``endpoint``."""

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def device_events(self, hostname: str) -> AsyncIterator[EventMessage]:
            socket = zmq.asyncio.Context.instance().socket(zmq.SUB)
            socket.setsockopt(zmq.SUBSCRIBE, b"")
            socket.connect(endpoint)
            number = 0
            try:
                yield SubscriptionStarted(cursor="0")
                while True:
                    topic, _, _, _, payload = await socket.recv_multipart()
                    data = json.loads(payload)
                    if topic.endswith(b".device") and data["device"] == hostname:
                        number += 1
                        yield DeviceEvent(
                            cursor=str(number),
                            hostname=data["device"],
                            health=data["health"].upper(),
                            state=data["state"].upper(),
                        )
            finally:
                socket.close(linger=0)

    return Subscription


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", required=True, help="the PUB socket to read events from")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    schema = strawberry.Schema(
        query=Query,
        subscription=subscription_type(args.events),
        types=[SubscriptionStarted, DeviceEvent],
    )
    uvicorn.run(GraphQL(schema), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
