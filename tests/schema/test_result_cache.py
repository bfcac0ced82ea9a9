"""Read-only query results are reused until the lab changes or they age out."""

from __future__ import annotations

import asyncio

from gql_server.resolvers.changes import ChangeCounter
from gql_server.schema.result_cache import ResultCache, cacheable


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_follow_the_change_counter():
    changes, clock = ChangeCounter(), FakeClock()
    cache = ResultCache(changes, ttl=1.0, max_entries=2, clock=clock)
    cache.put(("a",), b"A", changes.version)
    assert cache.get(("a",)) == b"A"
    clock.now += 1.5
    assert cache.get(("a",)) is None
    cache.put(("a",), b"A", changes.version)
    changes.bump()
    assert cache.get(("a",)) is None
    stale_version = changes.version - 1
    cache.put(("b",), b"B", stale_version)
    assert cache.get(("b",)) is None


def test_least_recently_used_entries_go_first():
    changes = ChangeCounter()
    cache = ResultCache(changes, ttl=10.0, max_entries=2, clock=FakeClock())
    for key in ("a", "b"):
        cache.put((key,), key.encode(), changes.version)
    assert cache.get(("a",)) == b"a"
    cache.put(("c",), b"c", changes.version)
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == b"a" and cache.get(("c",)) == b"c"


def test_only_single_read_only_queries_are_cacheable():
    assert cacheable(b'{"query": "{ jobs { totalCount } }"}')
    assert cacheable(b'{"query": "query A { viewer { username } }", "operationName": "A"}')
    assert not cacheable(b'{"query": "mutation { createToken { secret } }"}')
    assert not cacheable(b'{"query": "query A { a } mutation B { b }"}')
    assert not cacheable(b'{"query": "{ broken"}')
    assert not cacheable(b"not json")


def test_repeated_query_is_answered_without_sql_until_a_write(lab):
    token = lab.tokens["vis-member"]
    query = "{ viewer { tokens { description } } jobs(first: 3) { nodes { id } } }"
    first = lab.client.post(query, token=token)
    second = lab.client.post(query, token=token)
    assert second.content == first.content
    assert lab.client.last_statements <= 3  # authentication only
    lab.client.execute(
        'mutation { createToken(description: "cache-check") { secret } }', token=token
    )
    third = lab.client.post(query, token=token)
    assert b"cache-check" in third.content


def test_viewers_do_not_share_cached_results(lab):
    query = "{ viewer { username } }"
    anonymous = lab.client.execute(query)
    member = lab.client.execute(query, token=lab.tokens["vis-member"])
    assert anonymous["viewer"]["username"] is None
    assert member["viewer"]["username"] == "vis-member"


def test_concurrent_misses_compute_once():
    async def scenario() -> list:
        changes = ChangeCounter()
        cache = ResultCache(changes, ttl=1.0)
        assert cache.join(("k",)) is None
        waiting = cache.join(("k",))
        assert waiting is not None and not waiting.done()
        cache.finish(("k",), b"body", changes.version)
        return [await waiting, cache.get(("k",)), cache.join(("k",))]

    assert asyncio.run(scenario()) == [b"body", b"body", None]
