"""Shared execution: an event's selection runs once per distinct (operation, variables,
viewer), and every subscriber of that selection gets the same result and JSON."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator

import strawberry

from gql_server.resolvers.context import ANONYMOUS, Viewer
from gql_server.schema.shared_execution import SharedEventExecutor, SharedResults, encode_message


@strawberry.type
class Tick:
    cursor: str
    value: int

    @property
    def shared_cursor(self) -> str:
        return self.cursor


@dataclasses.dataclass
class Context:
    ctx: object
    shared_results: SharedResults


@dataclasses.dataclass(frozen=True)
class Ctx:
    viewer: Viewer


@strawberry.type
class Query:
    ok: bool = True


TICKS = [Tick(cursor=str(number), value=number) for number in range(1, 4)]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, label: str = "") -> AsyncIterator[Tick]:
        for tick in TICKS:
            yield tick


SCHEMA = strawberry.Schema(
    query=Query, subscription=Subscription, execution_context_class=SharedEventExecutor
)


async def _results(query: str, context: Context, variables: dict | None = None) -> list[dict]:
    stream = await SCHEMA.subscribe(query, variable_values=variables, context_value=context)
    return [result.data async for result in stream]


def _run(*subscriptions) -> list[list[dict]]:
    async def main() -> list[list[dict]]:
        return list(await asyncio.gather(*subscriptions))

    return asyncio.run(main())


def test_equal_selections_execute_once_per_event_and_share_the_result():
    shared = SharedResults()
    context = Context(Ctx(ANONYMOUS), shared)
    query = "subscription { ticks { cursor value } }"
    first, second = _run(_results(query, context), _results(query, context))
    assert first == second == [{"ticks": {"cursor": str(n), "value": n}} for n in (1, 2, 3)]
    assert shared.executions == 3


def test_other_variables_operations_or_viewers_execute_apart():
    shared = SharedResults()
    anonymous = Context(Ctx(ANONYMOUS), shared)
    someone = Context(Ctx(Viewer(user_id=7, username="someone")), shared)
    query = "subscription ($l: String!) { ticks(label: $l) { cursor } }"
    other = "subscription { ticks { value } }"
    results = _run(
        _results(query, anonymous, {"l": "a"}),
        _results(query, anonymous, {"l": "b"}),
        _results(query, someone, {"l": "a"}),
        _results(other, anonymous),
        _results(other, anonymous),
    )
    firsts = [result[0]["ticks"] for result in results]
    assert firsts == [{"cursor": "1"}] * 3 + [{"value": 1}] * 2
    assert shared.executions == 4 * 3


def test_without_shared_results_nothing_is_kept():
    @dataclasses.dataclass
    class Plain:
        ctx: object

    stream_results = asyncio.run(
        _results("subscription { ticks { value } }", Plain(Ctx(ANONYMOUS)))  # type: ignore[arg-type]
    )
    assert [result["ticks"]["value"] for result in stream_results] == [1, 2, 3]


def test_a_shared_results_json_is_reused_in_each_message():
    shared = SharedResults()
    context = Context(Ctx(ANONYMOUS), shared)
    (results,) = _run(_results("subscription { ticks { value } }", context))
    data = results[0]
    message = {"id": 'op "1"', "type": "next", "payload": {"data": data}}
    encoded = encode_message(message, shared)
    assert encoded is not None and json.loads(encoded) == message
    assert encode_message({**message, "payload": {"data": dict(data)}}, shared) is None
    assert encode_message({"type": "ping"}, shared) is None
