"""A device's health history: its published ``.device`` events, newest first.

Read from the outbox's (device, seq) index, a page per device, so a device's history
costs the same on a lab with millions of events as on the demo. An entry's cursor is its
event's: ``deviceEvents(hostname, after: <newest cursor>)`` streams what came after it.
The history is read as of one published event, its ``stream_cursor``: following it from
there replays only what was published since the read, however long the device was quiet.
Unpublished events have no cursor yet and are left out; they are the stream's first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Select, func, select, union_all

from gql_server.db.models import EventRecord
from gql_server.events.wire import device_status
from gql_server.exports.render import batched
from gql_server.lab.enums import DeviceHealth, DeviceState
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.pagination import Page, PageArgs
from gql_server.resolvers.permissions import hidden_inventory
from gql_server.resolvers.subscriptions import last_published, resume_point

DEVICES_PER_STATEMENT = 100  # SQLite allows 500 terms in one UNION ALL


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    """One ``.device`` event of a device, as its history shows it."""

    seq: int
    timestamp: dt.datetime
    state: DeviceState
    health: DeviceHealth
    current_job: str | None

    @property
    def cursor(self) -> str:
        """The event's cursor (its publication sequence)."""
        return str(self.seq)


@dataclasses.dataclass(frozen=True)
class DeviceHistory:
    """A page of a device's history, read as of the event ``stream_cursor`` names."""

    page: Page[HistoryEntry]
    stream_cursor: str


def newest_events(hostname: str, before: int, limit: int) -> Select:
    """The device's ``limit`` newest events before publication sequence ``before``."""
    return (
        select(EventRecord.device, EventRecord.seq, EventRecord.created, EventRecord.data)
        .where(EventRecord.device == hostname, EventRecord.seq < before)
        .order_by(EventRecord.seq.desc())
        .limit(limit)
    )


def _entry(seq: int, created: dt.datetime, data: str) -> HistoryEntry:
    return HistoryEntry(seq, created, *device_status(json.loads(data)))


async def history_by_device(
    ctx: RequestContext, hostnames: Sequence[str], first: int, after: str | None
) -> dict[str, DeviceHistory]:
    """Each device's ``first`` newest history entries older than the event ``after`` (a
    cursor or message id; the newest when None), in one statement per hundred devices (a
    data-loader batch). Devices the viewer may not see have an empty history."""
    size = PageArgs(first=first).size()
    newest = await last_published(ctx)
    resumed = await resume_point(ctx, after, newest)
    before = newest + 1 if resumed is None else resumed
    hidden = (await hidden_inventory(ctx)).devices
    visible = sorted({hostname for hostname in hostnames if hostname not in hidden})
    rows: dict[str, list[HistoryEntry]] = {hostname: [] for hostname in visible}
    if size:
        async with ctx.db() as session:
            for chunk in batched(visible, DEVICES_PER_STATEMENT):
                parts = [newest_events(name, before, size + 1).subquery() for name in chunk]
                statement = union_all(*(select(*part.c) for part in parts))
                for device, seq, created, data in await session.execute(statement):
                    rows[device].append(_entry(seq, created, data))
    return {
        hostname: DeviceHistory(
            _page(ctx, hostname, rows.get(hostname), size, newest, after is not None),
            stream_cursor=str(newest),
        )
        for hostname in hostnames
    }


def _page(
    ctx: RequestContext,
    hostname: str,
    entries: list[HistoryEntry] | None,
    size: int,
    newest: int,
    resumed: bool,
) -> Page[HistoryEntry]:
    """A device's page from the entries read (None when the device is hidden); its count
    is of the whole history as of event ``newest``."""
    shown = sorted(entries or [], key=lambda entry: entry.seq, reverse=True)

    async def count() -> int:
        if entries is None:
            return 0
        statement = select(func.count()).where(
            EventRecord.device == hostname, EventRecord.seq <= newest
        )
        async with ctx.db() as session:
            return int((await session.execute(statement)).scalar_one())

    return Page(
        items=shown[:size],
        cursors=[entry.cursor for entry in shown[:size]],
        has_next_page=len(shown) > size,
        has_previous_page=resumed,
        count=count,
    )
