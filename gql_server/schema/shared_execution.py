"""Subscription events executed once per distinct selection, shared by its subscribers.

Executing a selection costs a few hundred microseconds in graphql-core, so executing it
for each subscriber of each event caps a server at a few events per second to a thousand
subscribers. Instead, the first subscriber to meet an event executes its selection; every
other subscriber with the same operation, variables and viewer gets that result (and its
encoded JSON), as Hasura multiplexes its live queries. Results are kept for a bounded
number of (event, selection) pairs.

Over graphql-transport-ws, a subscription whose event already has a shared result skips
strawberry's per-result pipeline altogether: its stream writes the ``next`` frame, built
around the shared JSON with its own operation id, straight to the socket (its
:class:`Delivery`). That is the frame the normal path sends, byte for byte; only events the
subscriber may see reach this point, as before.
"""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any

from graphql import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

RESULTS_KEPT = 20_000


class SharedResults:
    """Execution results of events, by (event cursor, sharing key); bounded, oldest out."""

    def __init__(self, kept: int = RESULTS_KEPT) -> None:
        self.kept = kept
        self.executions = 0
        self._results: OrderedDict[Hashable, ExecutionResult] = OrderedDict()
        self._encoded: dict[int, tuple[Any, str]] = {}  # id(data) -> (data, its JSON)

    def get(self, key: Hashable) -> ExecutionResult | None:
        """The result kept for ``key``, if any."""
        return self._results.get(key)

    def keep(self, key: Hashable, result: ExecutionResult) -> None:
        """Keep ``result`` (and its data encoded as JSON) for the other subscribers of the
        same event and selection."""
        self.executions += 1
        self._results[key] = result
        if result.data is not None:
            self._encoded[id(result.data)] = (result.data, encode_json(result.data))
        while len(self._results) > self.kept:
            _, old = self._results.popitem(last=False)
            self._encoded.pop(id(old.data), None)

    def encoded_data(self, data: Any) -> str | None:
        """``data`` as JSON when it is a kept result's data (the very object, not a copy)."""
        known = self._encoded.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        return None


def encode_json(value: Any) -> str:
    """Compact JSON, as strawberry encodes its messages."""
    return json.dumps(value, separators=(",", ":"))


class EncodedMessage(str):
    """A websocket message already encoded as JSON, sent as it is."""


def _data_message(operation_id: Any, kind: str, data: str) -> EncodedMessage:
    """The message ``{"id", "type", "payload": {"data"}}`` around encoded ``data``."""
    head = f'{{"id":{encode_json(operation_id)},"type":"{kind}"'
    return EncodedMessage(f'{head},"payload":{{"data":{data}}}}}')


def encode_message(message: Any, shared: SharedResults) -> str | None:
    """A websocket result message (graphql-transport-ws ``next``, graphql-ws ``data``)
    whose data is a shared result, encoded around that result's JSON; else None."""
    if isinstance(message, EncodedMessage):
        return message
    if not isinstance(message, dict) or message.get("type") not in {"next", "data"}:
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or payload.keys() != {"data"}:
        return None
    data = shared.encoded_data(payload["data"])
    if data is None:
        return None
    return _data_message(message["id"], message["type"], data)


@dataclasses.dataclass
class Delivery:
    """Where one graphql-transport-ws operation's shared results go without strawberry:
    its id, its sharing key (known once its first message was executed) and a send of an
    encoded message that respects the operation's state."""

    operation_id: str
    send: Callable[[EncodedMessage], Awaitable[None]]
    sharing: Hashable | None = None


DELIVERY: ContextVar[Delivery | None] = ContextVar("delivery", default=None)
"""The delivery of the operation whose task is running, if it has one."""


def shared_next(
    delivery: Delivery | None, shared: SharedResults, cursor: str
) -> EncodedMessage | None:
    """The ``next`` message of the event at ``cursor`` for ``delivery``'s operation, when
    another subscriber with its sharing key already has a clean result (data, no errors,
    no extensions) for it; else None, and the event takes the normal path."""
    if delivery is None or delivery.sharing is None:
        return None
    result = shared.get((cursor, delivery.sharing))
    if result is None or result.errors or result.extensions:
        return None
    data = shared.encoded_data(result.data)
    return None if data is None else _data_message(delivery.operation_id, "next", data)


def sharing_key(executor: StrawberryGraphQLCoreExecutionContext) -> Hashable | None:
    """What makes two subscriptions' results for one event equal: the operation's text and
    name, its variables and the viewer; None when the operation has no source text."""
    location = executor.operation.loc
    context = executor.context_value
    if location is None or not hasattr(context, "shared_results"):
        return None
    name = executor.operation.name
    return (
        location.source.body,
        None if name is None else name.value,
        repr(executor.variable_values.coerced),
        context.ctx.viewer,
    )


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, reusing a subscription event's result when another
    subscriber with the same sharing key already executed it. The key is worked out
    once per subscription, not once per event."""

    sharing: Hashable | None

    def build_per_event_executor(self, payload: Any) -> Any:
        """The executor of one event, carrying the subscription's sharing key."""
        if not hasattr(self, "sharing"):
            self.sharing = sharing_key(self)
            delivery = DELIVERY.get()
            if delivery is not None:
                delivery.sharing = self.sharing
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Execute, or answer with the shared result of this event and selection."""
        cursor = getattr(self.root_value, "shared_cursor", None)
        key = getattr(self, "sharing", None)
        if cursor is None or key is None:
            return super().execute_operation(serially)
        shared: SharedResults = self.context_value.shared_results
        result = shared.get((cursor, key))
        if result is None:
            result = super().execute_operation(serially)
            if isinstance(result, ExecutionResult):
                shared.keep((cursor, key), result)
        return result
