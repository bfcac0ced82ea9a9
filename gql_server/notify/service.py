"""The notifier as a server process runs it: its senders, started beside the doors."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.config import Settings
from gql_server.notify.callback import CallbackSender
from gql_server.notify.evaluator import NotifyEvaluator
from gql_server.notify.irc import IrcSender
from gql_server.notify.queue import CRITERIA, Sender, run_notifier
from gql_server.notify.smtp import SmtpSender
from gql_server.resolvers.changes import ChangeCounter


def default_senders(
    settings: Settings, sessions: async_sessionmaker, changes: ChangeCounter
) -> dict[str, Sender]:
    """The evaluator of notify blocks, and the email, IRC and callback senders configured
    by ``settings``."""
    return {
        CRITERIA: NotifyEvaluator(sessions, settings, changes),
        "email": SmtpSender(settings),
        "irc": IrcSender(settings),
        "callback": CallbackSender(settings),
    }


async def serve_notifications(
    sessions: async_sessionmaker, settings: Settings, changes: ChangeCounter
) -> None:
    """Evaluate notify blocks and deliver what they fire until cancelled."""
    await run_notifier(sessions, settings, default_senders(settings, sessions, changes), changes)
