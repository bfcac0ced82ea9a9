"""The Subscription root: live lab events over the GraphQL websocket, resumable by cursor.

Every subscription first sends a ``SubscriptionStarted`` message: from then on no event
is missed, so a client can subscribe, wait for it, then act. Each event carries a cursor;
``after: <cursor>`` replays from the outbox what was missed, then goes live, with no gap
and no duplicate. Events are read from the process's hub and filtered per subscriber by
the resolver layer's visibility rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gql_server.events.hub import Hub, Started
from gql_server.events.selectors import fresh_context
from gql_server.events.wire import EventKind, device_status
from gql_server.resolvers.subscriptions import Published, resume_point
from gql_server.schema.context import GraphQLContext, Info
from gql_server.schema.enums import (
    DeviceHealth,
    DeviceState,
    JobHealth,
    JobState,
    WorkerHealth,
    WorkerState,
)
from gql_server.schema.shared_execution import DELIVERY, SharedResults, shared_next


@dataclasses.dataclass
class SocketContext(GraphQLContext):
    """The context of one GraphQL websocket: the hub, the upgrade request's Authorization
    header, and the ``connection_init`` payload (set by strawberry)."""

    hub: Hub
    shared_results: SharedResults
    authorization: str | None = None
    connection_params: dict[str, Any] | None = None


@strawberry.interface(description="A message of an event subscription.")
class EventMessage:
    cursor: str = strawberry.field(
        description="Pass as `after` to resume after this message (an event's `messageId`"
        " works too)."
    )


@strawberry.type(
    description="The first message of every event subscription: it is live, nothing after"
    " this is missed."
)
class SubscriptionStarted(EventMessage):
    live: bool = True


@strawberry.interface(description="A lab event: LAVA's five frames, and its cursor.")
class LabEvent(EventMessage):
    topic: str
    message_id: str = strawberry.field(description="The event's uuid (frame 2).")
    timestamp: dt.datetime
    username: str
    data: JSON = strawberry.field(description="LAVA's payload (frame 5).")

    @property
    def shared_cursor(self) -> str:
        """An event's result is shared among the subscribers of equal selections."""
        return self.cursor


@strawberry.type(description="A test job changed state or health (`.testjob`).")
class JobEvent(LabEvent):
    job_id: int
    sub_id: str | None
    state: JobState
    health: JobHealth
    description: str | None
    submitter: str
    device_type: str | None = strawberry.field(description="The requested device type.")
    device: str | None
    worker: str | None


@strawberry.type(description="A device changed state or health (`.device`).")
class DeviceEvent(LabEvent):
    hostname: str
    device_type: str
    worker: str | None
    state: DeviceState
    health: DeviceHealth
    current_job: str | None = strawberry.field(
        description="The device's unfinished job: its id, or its multinode sub-id."
    )


@strawberry.type(description="A worker changed state or health (`.worker`).")
class WorkerEvent(LabEvent):
    hostname: str
    state: WorkerState
    health: WorkerHealth


@strawberry.type(description="A job's test shell ran `lava-test-event` (`.event`).")
class TestShellEvent(LabEvent):
    __test__ = False

    job_id: int
    message: str


MESSAGE_TYPES = [SubscriptionStarted, JobEvent, DeviceEvent, WorkerEvent, TestShellEvent]


def _job_event(common: dict[str, Any], data: dict[str, Any]) -> JobEvent:
    return JobEvent(
        **common,
        job_id=data["job"],
        sub_id=data.get("sub_id"),
        state=JobState.from_display(data["state"]),
        health=JobHealth.from_display(data["health"]),
        description=data["description"],
        submitter=data["submitter"],
        device_type=data.get("device_type"),
        device=data.get("device"),
        worker=data.get("worker"),
    )


def _device_event(common: dict[str, Any], data: dict[str, Any]) -> DeviceEvent:
    return DeviceEvent(
        **common,
        hostname=data["device"],
        device_type=data["device_type"],
        worker=data["worker"],
        **device_status(data)._asdict(),
    )


def _worker_event(common: dict[str, Any], data: dict[str, Any]) -> WorkerEvent:
    return WorkerEvent(
        **common,
        hostname=data["hostname"],
        state=WorkerState.from_display(data["state"]),
        health=WorkerHealth.from_display(data["health"]),
    )


def _test_shell_event(common: dict[str, Any], data: dict[str, Any]) -> TestShellEvent:
    return TestShellEvent(**common, job_id=data["job"], message=data["message"])


_BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], LabEvent]] = {
    EventKind.TESTJOB: _job_event,
    EventKind.DEVICE: _device_event,
    EventKind.WORKER: _worker_event,
    EventKind.EVENT: _test_shell_event,
}


def _message(item: Started | Published) -> EventMessage:
    """The message of an item; an event's is built once for all its subscribers."""
    if isinstance(item, Started):
        return SubscriptionStarted(cursor=item.cursor)
    message = item.memo.get("graphql")
    if message is None:
        message = item.memo["graphql"] = _event_message(item)
    return message  # type: ignore[return-value]


def _event_message(item: Published) -> LabEvent:
    event = item.event
    common = {
        "cursor": item.cursor,
        "topic": event.topic,
        "message_id": event.uuid,
        "timestamp": event.timestamp,
        "username": event.username,
        "data": event.data,
    }
    return _BUILDERS[item.kind](common, event.data)


async def _messages(
    stream: AsyncIterator[Started | Published], shared: SharedResults
) -> AsyncIterator[EventMessage]:
    """The messages to execute; an event whose result another subscriber with the same
    selection and viewer already has is sent directly instead (see shared_execution)."""
    delivery = DELIVERY.get()
    async with contextlib.aclosing(stream):  # type: ignore[type-var]
        async for item in stream:
            ready = (
                None if isinstance(item, Started) else shared_next(delivery, shared, item.cursor)
            )
            if ready is None:
                yield _message(item)
            else:
                assert delivery is not None
                await delivery.send(ready)


async def _open(
    info: Info, matches: Callable[[Published], bool], after: str | None
) -> AsyncIterator[EventMessage]:
    """The messages of one subscription; argument errors are raised before it starts."""
    context = info.context
    assert isinstance(context, SocketContext)  # TransportRules refuses the others
    ctx = fresh_context(context.ctx)
    try:
        resume = await resume_point(ctx, after)
    finally:
        await ctx.close()
    select = context.hub.visibility.selector(context.ctx, matches)
    return _messages(context.hub.stream(select, resume), context.shared_results)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Job state and health changes: of one job, or of every visible job;"
        " optionally only on entering the given states."
    )
    async def job_events(
        self,
        info: Info,
        job_id: int | None = None,
        states: list[JobState] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[EventMessage]:
        names = None if states is None else {state.display for state in states}

        def matches(item: Published) -> bool:
            return (
                item.kind == EventKind.TESTJOB
                and (job_id is None or item.job_id == job_id)
                and (names is None or item.event.data.get("state") in names)
            )

        return await _open(info, matches, after)

    @strawberry.subscription(description="Device state and health changes of visible devices.")
    async def device_events(
        self, info: Info, hostname: str | None = None, after: str | None = None
    ) -> AsyncIterator[EventMessage]:
        def matches(item: Published) -> bool:
            return item.kind == EventKind.DEVICE and (
                hostname is None or item.event.data.get("device") == hostname
            )

        return await _open(info, matches, after)

    @strawberry.subscription(description="Worker state and health changes of visible workers.")
    async def worker_events(
        self, info: Info, hostname: str | None = None, after: str | None = None
    ) -> AsyncIterator[EventMessage]:
        def matches(item: Published) -> bool:
            return item.kind == EventKind.WORKER and (
                hostname is None or item.event.data.get("hostname") == hostname
            )

        return await _open(info, matches, after)

    @strawberry.subscription(description="Test-shell events (`lava-test-event`) of visible jobs.")
    async def test_shell_events(
        self, info: Info, job_id: int | None = None, after: str | None = None
    ) -> AsyncIterator[EventMessage]:
        def matches(item: Published) -> bool:
            return item.kind == EventKind.EVENT and (job_id is None or item.job_id == job_id)

        return await _open(info, matches, after)

    @strawberry.subscription(
        description="Every visible event whose topic starts with `topicPrefix` (all by default)."
    )
    async def events(
        self, info: Info, topic_prefix: str | None = None, after: str | None = None
    ) -> AsyncIterator[EventMessage]:
        def matches(item: Published) -> bool:
            return item.kind in _BUILDERS and item.event.topic.startswith(topic_prefix or "")

        return await _open(info, matches, after)
