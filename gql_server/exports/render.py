"""Running a layout over rows: all at once (a list, a generator) or batch by batch from an
asynchronous source, in the same chunks either way.

A layout is a small object with three pure methods: ``opening()`` (text before the first
row), ``rows(batch)`` (the text of some rows, in order) and ``closing()`` (text after the
last one). It may keep what it needs between calls (a running count, the current suite),
never the rows themselves, so exporting a million rows costs the memory of one batch.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

Row = TypeVar("Row", contravariant=True)
T = TypeVar("T")

BATCH = 500


class Layout(Protocol[Row]):
    """How one export format writes rows."""

    def opening(self) -> str: ...

    def rows(self, batch: Sequence[Row]) -> str: ...

    def closing(self) -> str: ...


def batched(rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """``rows`` in lists of at most ``size``."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def render(layout: Layout[T], rows: Iterable[T], size: int = BATCH) -> Iterator[str]:
    """The export of ``rows`` in text chunks (empty chunks are skipped)."""
    yield from _present(layout.opening())
    for batch in batched(rows, size):
        yield from _present(layout.rows(batch))
    yield from _present(layout.closing())


async def render_batches(
    layout: Layout[T], batches: AsyncIterable[Sequence[T]]
) -> AsyncIterator[str]:
    """The export of rows read batch by batch (a database cursor, keyset pages), one
    chunk per batch, for streaming responses."""
    for chunk in _present(layout.opening()):
        yield chunk
    async for batch in batches:
        for chunk in _present(layout.rows(batch)):
            yield chunk
    for chunk in _present(layout.closing()):
        yield chunk


async def collect(chunks: AsyncIterable[str]) -> str:
    """The whole text of an asynchronous export (for doors that answer in one piece)."""
    return "".join([chunk async for chunk in chunks])


def _present(text: str) -> Iterator[str]:
    if text:
        yield text
