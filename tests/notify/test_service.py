"""The notifier a server runs has a sender for every kind of queued row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.config import Settings
from gql_server.notify.queue import KINDS
from gql_server.notify.service import default_senders
from gql_server.resolvers.changes import ChangeCounter


def test_default_senders_cover_every_kind():
    senders = default_senders(Settings(), async_sessionmaker(), ChangeCounter())
    assert set(senders) == set(KINDS)
