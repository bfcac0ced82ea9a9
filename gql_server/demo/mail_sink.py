"""The demo lab's mail server: an SMTP server on loopback that keeps every message it is
given in a Maildir folder and says so in the server's log, so that a newcomer sees the
notification emails of ``gql-server serve --demo`` arrive without a mail server of their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import mailbox
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from gql_server.config import Settings

MAX_MESSAGE_BYTES = 10_000_000


class MaildirHandler:
    """Stores each accepted message in a Maildir (``new/`` holds one file per message)."""

    def __init__(self, folder: Path) -> None:
        self.maildir = mailbox.Maildir(folder, create=True)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        """Keep the message; log who it was for and its subject."""
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        await asyncio.to_thread(self.maildir.add, raw)
        recipients = ", ".join(envelope.rcpt_tos)
        print(f"gql-server: demo mail to {recipients}: {message.get('Subject', '')}", flush=True)
        return "250 Message accepted for delivery"


async def start_mail_sink(folder: Path) -> asyncio.Server:
    """Listen for SMTP on a free loopback port and keep what arrives in ``folder``."""
    handler = MaildirHandler(folder)

    def protocol() -> Any:
        return SMTP(handler, data_size_limit=MAX_MESSAGE_BYTES, hostname="gql-server-demo")

    return await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0)


def mailing_to(sink: asyncio.Server, settings: Settings) -> Settings:
    """``settings`` with notification emails sent, unencrypted and without a login, to
    the sink."""
    port = sink.sockets[0].getsockname()[1]
    return dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_user=None,
        smtp_password=None,
    )
