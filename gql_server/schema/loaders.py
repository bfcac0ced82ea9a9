"""Data loaders: batch the keys asked for in one tick, and answer cached keys synchronously.

A cached answer is returned as a plain value, not an awaitable, so that graphql-core
completes the field on its fast synchronous path. Connection resolvers prime loaders for
a whole page (see ``prefetch``), so nested fields of a page usually never await.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from gql_server.resolvers import (
    device_history,
    devices,
    inventory,
    jobs,
    notification_status,
    results,
    users,
)
from gql_server.resolvers.context import RequestContext

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loader(Generic[K, V]):
    """Loads values by key through one batch function, once per key per request."""

    def __init__(
        self, batch: Callable[[list[K]], Awaitable[Mapping[K, V]]], missing: Any = None
    ) -> None:
        self._batch = batch
        self._missing = missing
        self._values: dict[K, Any] = {}
        self._waiting: dict[K, asyncio.Future] = {}
        self._running: set[asyncio.Task] = set()

    def load(self, key: K | None) -> Any:
        """The value for ``key``: itself when cached, else a future resolved with the batch."""
        if key is None:
            return self._missing
        try:
            return self._values[key]
        except KeyError:
            pass
        future = self._waiting.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            if not self._waiting:
                loop.call_soon(self._dispatch)
            future = self._waiting[key] = loop.create_future()
        return future

    def peek(self, key: K | None) -> Any:
        """The cached value for ``key`` (the missing value when not loaded)."""
        return self._values.get(key, self._missing) if key is not None else self._missing

    async def prime(self, keys: Iterable[K | None]) -> None:
        """Load every key not yet cached, in one batch."""
        wanted = {key for key in keys if key is not None and key not in self._values}
        if wanted:
            self._store(wanted, await self._batch(list(wanted)))

    def _store(self, keys: Iterable[K], found: Mapping[K, V]) -> None:
        for key in keys:
            self._values[key] = found.get(key, self._missing)

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, {}
        task = asyncio.ensure_future(self._run(waiting))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, waiting: dict[K, asyncio.Future]) -> None:
        try:
            found = await self._batch(list(waiting))
        except Exception as exc:
            for future in waiting.values():
                if not future.done():
                    future.set_exception(exc)
            return
        self._store(waiting, found)
        for key, future in waiting.items():
            if not future.done():
                future.set_result(self._values[key])


class Loaders:
    """The data loaders of one request, each bound to a resolver batch function.

    Loaders are made on first use: most requests need only a few of them.
    """

    BATCHES: dict[str, tuple[Callable[..., Awaitable[Mapping]], Any]] = {
        "job": (jobs.jobs_by_ids, None),
        "job_tags": (jobs.tags_by_job, ()),
        "notifications_by_job": (notification_status.notifications_by_job, ()),
        "current_job": (jobs.current_jobs_by_device, None),
        "device": (devices.devices_by_hostname, None),
        "device_tags": (devices.tags_by_device, ()),
        "devices_by_type": (devices.devices_by_type, ()),
        "devices_by_worker": (devices.devices_by_worker, ()),
        "device_type": (inventory.device_types_by_name, None),
        "aliases_by_type": (inventory.aliases_by_type, ()),
        "worker": (inventory.workers_by_hostname, None),
        "user": (users.users_by_id, None),
        "suite": (results.suites_by_id, None),
        "suites_by_job": (results.suites_by_job, ()),
        "test_set": (results.sets_by_id, None),
        "sets_by_suite": (results.sets_by_suite, ()),
        "job_counts": (results.result_counts_by_job, results.ResultCounts()),
        "suite_counts": (results.result_counts_by_suite, results.ResultCounts()),
    }

    def __init__(self, ctx: RequestContext) -> None:
        self._ctx = ctx
        self._with_arguments: dict[tuple[Any, ...], Loader] = {}

    def __getattr__(self, name: str) -> Loader:
        try:
            batch, missing = self.BATCHES[name]
        except KeyError:
            raise AttributeError(name) from None
        loader = Loader(functools.partial(batch, self._ctx), missing)
        setattr(self, name, loader)
        return loader

    def _with(
        self, batch: Callable[..., Awaitable[Mapping]], missing: Any, **arguments: Any
    ) -> Loader:
        """The loader of ``batch`` called with these keyword arguments, made once."""
        key = (batch, *sorted(arguments.items()))
        loader = self._with_arguments.get(key)
        if loader is None:
            call = functools.partial(batch, self._ctx, **arguments)
            loader = self._with_arguments[key] = Loader(call, missing)
        return loader

    def recent_jobs(self, limit: int) -> Loader:
        """Each device's ``limit`` newest jobs."""
        return self._with(jobs.recent_jobs_by_device, (), limit=limit)

    def health_history(self, first: int, after: str | None) -> Loader:
        """Each device's health history: ``first`` entries after ``after``."""
        return self._with(device_history.history_by_device, None, first=first, after=after)
