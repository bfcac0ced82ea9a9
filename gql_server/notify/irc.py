"""A minimal IRC client for one notification: connect, register, (join), say, quit.

LAVA runs ``netcat`` to port 6667 with a fixed nick and no ``JOIN``; this client waits
for the welcome (``001``), answers ``PING``, joins a channel before speaking to it, learns
whether the message was refused (``401``/``404``...) by a ``PING`` it sends afterwards,
and bounds the whole session by ``irc_timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from typing import Any

from gql_server.config import Settings
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError

CHANNEL_PREFIXES = "#&+!"
LINE_BYTES = 400  # room for the command and the server's prefix within IRC's 512 bytes
NICK_TRIES = 3
QUIT_SECONDS = 2.0
REFUSALS = {
    "432": "erroneous nick",
    "465": "banned from the server",
    "401": "no such nick/channel",
    "403": "no such channel",
    "404": "cannot send to channel",
    "405": "too many channels",
    "471": "channel is full",
    "473": "channel is invite-only",
    "474": "banned from channel",
    "475": "channel needs a key",
    "477": "channel needs a registered nick",
}


def parse_line(raw: bytes) -> tuple[str, list[str]]:
    """The command and parameters of one IRC line (the prefix is dropped)."""
    line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    if line.startswith(":"):
        line = line.partition(" ")[2]
    head, colon, trailing = line.partition(" :")
    words = head.split()
    params = words[1:] + ([trailing] if colon else [])
    return (words[0].upper() if words else ""), params


def split_text(text: str) -> list[str]:
    """The message as IRC lines: one per non-empty line, each at most ``LINE_BYTES``."""
    lines: list[str] = []
    for line in text.replace("\0", "").splitlines():
        data = line.encode()
        while data:
            cut = min(len(data), LINE_BYTES)
            while cut < len(data) and (data[cut] & 0xC0) == 0x80:  # a UTF-8 continuation
                cut -= 1
            lines.append(data[:cut].decode())
            data = data[cut:]
    return lines


class _Session:
    """One connection: sends lines, reads replies, answers ``PING``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, line: str) -> None:
        if any(c in line for c in "\r\n\0"):
            raise PermanentDeliveryError("IRC: a line break inside a command")
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def until(self, *wanted: str) -> str:
        """Read until one of the ``wanted`` commands and return it; a refusal or the end
        of the connection raises :class:`DeliveryError`."""
        while True:
            raw = await self.reader.readline()
            if not raw:
                raise DeliveryError("IRC: the server closed the connection")
            command, params = parse_line(raw)
            if command == "PING":
                await self.send(f"PONG :{params[-1] if params else ''}")
            elif command == "ERROR":
                raise DeliveryError(f"IRC: the server said: {' '.join(params)[:200]}")
            elif command in wanted:
                return command
            elif command in REFUSALS:
                raise DeliveryError(f"IRC {command}: {REFUSALS[command]}")

    async def quit(self) -> None:
        """Say goodbye and read until the server closes the connection."""
        await self.send("QUIT :done")
        while await self.reader.readline():
            pass


class IrcSender:
    """Sends ``{"text"}`` to a target ``nick@server`` or ``#channel@server`` (the notifier
    names the server: the recipient's, else ``irc_server``); ``irc_port``, ``irc_nick`` and
    ``irc_tls`` apply to every server."""

    def __init__(self, settings: Settings, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()

    async def __call__(self, target: str, message: Mapping[str, Any]) -> None:
        """Deliver the message; raises :class:`DeliveryError` (or its permanent kind)."""
        target, _, server = target.rpartition("@") if "@" in target else (target, "", "")
        if not server:
            raise PermanentDeliveryError("IRC: no server for this recipient")
        if not target or any(c in target for c in " ,\r\n\0"):
            raise PermanentDeliveryError("IRC: not a nick or channel name")
        lines = split_text(str(message.get("text", "")))
        if not lines:
            raise PermanentDeliveryError("IRC: nothing to say")
        try:
            async with asyncio.timeout(self.settings.irc_timeout_seconds):
                reader, writer = await asyncio.open_connection(
                    server,
                    self.settings.irc_port,
                    ssl=self.tls_context if self.settings.irc_tls else None,
                )
        except TimeoutError:
            raise DeliveryError(f"IRC: no connection to {server} in time") from None
        except OSError as exc:
            raise DeliveryError(f"IRC: cannot connect to {server}: {exc}") from None
        session = _Session(reader, writer)
        try:
            async with asyncio.timeout(self.settings.irc_timeout_seconds):
                await self._talk(session, target, lines)
            with contextlib.suppress(TimeoutError, OSError):
                async with asyncio.timeout(QUIT_SECONDS):
                    await session.quit()
        except TimeoutError:
            raise DeliveryError(f"IRC: {server} did not answer in time") from None
        except OSError as exc:
            raise DeliveryError(f"IRC: connection to {server} failed: {exc}") from None
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await writer.wait_closed()

    async def _talk(self, session: _Session, target: str, lines: list[str]) -> None:
        nick = self.settings.irc_nick
        await session.send(f"USER {nick} 0 * :{nick}")
        for attempt in range(NICK_TRIES):
            await session.send(f"NICK {nick}{attempt or ''}")
            if await session.until("001", "433", "436") == "001":  # welcome, or nick in use
                break
        else:
            raise DeliveryError(f"IRC: the nicks {nick}..{nick}{NICK_TRIES - 1} are in use")
        if target[0] in CHANNEL_PREFIXES:
            await session.send(f"JOIN {target}")
            await session.until("366")  # the end of the channel's names: joined
        for line in lines:
            await session.send(f"PRIVMSG {target} :{line}")
        await session.send("PING :delivered")
        await session.until("PONG")
