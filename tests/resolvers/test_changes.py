"""Values derived from the lab last until a write or until they age out."""

from __future__ import annotations

import asyncio

from gql_server.resolvers.changes import ChangeCounter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_derived_values_follow_writes_and_age():
    clock = FakeClock()
    changes = ChangeCounter(max_staleness=1.0, clock=clock)
    computed: list[int] = []

    async def compute() -> int:
        computed.append(changes.version)
        return len(computed)

    async def scenario() -> list[int]:
        values = [await changes.derived("k", compute), await changes.derived("k", compute)]
        changes.bump()
        values.append(await changes.derived("k", compute))
        clock.now += 2
        values.append(await changes.derived("k", compute))
        return values

    assert asyncio.run(scenario()) == [1, 1, 2, 3]


def test_zero_staleness_never_reuses():
    changes = ChangeCounter(max_staleness=0)
    calls = []

    async def compute() -> None:
        calls.append(1)

    async def scenario() -> None:
        await changes.derived("k", compute)
        await changes.derived("k", compute)

    asyncio.run(scenario())
    assert len(calls) == 2
