"""IRC messages through a real ngIRCd on free loopback ports, received by a second
client: to a nick, to a channel (joined first), over TLS, and the failures."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from gql_server.config import Settings
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.notify.irc import IrcSender, split_text
from tests.support.notify_servers import IrcWatcher, Ngircd, self_signed
from tests.support.server import free_port

TEXT = "The job with ID # 42 has finished with status Finished and health Complete."


@pytest.fixture(scope="module")
def ircd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ngircd")
    cert, key = self_signed(folder)
    server = Ngircd(folder, tls=(cert, key))
    server.cert = cert
    yield server
    server.stop()


def _settings(port: int, **values) -> Settings:
    return Settings(irc_port=port, irc_timeout_seconds=10.0, **values)


def test_a_private_message_reaches_the_nick(ircd):
    """The server asks for a PONG before it registers anyone (``RequireAuthPing``)."""
    watcher = IrcWatcher(ircd.port, "alice")
    try:
        asyncio.run(IrcSender(_settings(ircd.port))("alice@127.0.0.1", {"text": TEXT}))
        line = watcher.privmsg()
    finally:
        watcher.close()
    assert line.startswith(":lava-bot!")
    assert line.endswith(f" PRIVMSG alice :{TEXT}")


def test_a_channel_message_is_sent_after_joining(ircd):
    watcher = IrcWatcher(ircd.port, "bob")
    watcher.join("#lab")
    try:
        asyncio.run(
            IrcSender(_settings(ircd.port))("#lab@127.0.0.1", {"text": f"{TEXT}\nsecond line"})
        )
        lines = [watcher.privmsg(), watcher.privmsg()]
    finally:
        watcher.close()
    assert [line.split(" ", 1)[1] for line in lines] == [
        f"PRIVMSG #lab :{TEXT}",
        "PRIVMSG #lab :second line",
    ]


def test_a_taken_nick_is_varied(ircd):
    squatter = IrcWatcher(ircd.port, "lava-bot")
    watcher = IrcWatcher(ircd.port, "carol")
    try:
        asyncio.run(IrcSender(_settings(ircd.port))("carol@127.0.0.1", {"text": TEXT}))
        line = watcher.privmsg()
    finally:
        watcher.close()
        squatter.close()
    assert line.startswith(":lava-bot1!")


def test_tls_with_the_server_named_by_the_recipient(ircd):
    watcher = IrcWatcher(ircd.port, "dave")
    trust = ssl.create_default_context(cafile=str(ircd.cert))
    settings = Settings(irc_port=ircd.tls_port, irc_tls=True, irc_timeout_seconds=10.0)
    try:
        asyncio.run(IrcSender(settings, trust)("dave@127.0.0.1", {"text": TEXT}))
        line = watcher.privmsg()
    finally:
        watcher.close()
    assert line.endswith(f" PRIVMSG dave :{TEXT}")


def test_an_absent_nick_is_an_error(ircd):
    with pytest.raises(DeliveryError, match="401"):
        asyncio.run(IrcSender(_settings(ircd.port))("nobody-here@127.0.0.1", {"text": TEXT}))


def test_no_server_or_a_bad_target_is_permanent(ircd):
    with pytest.raises(PermanentDeliveryError, match="no server"):
        asyncio.run(IrcSender(Settings())("alice", {"text": TEXT}))
    with pytest.raises(PermanentDeliveryError, match="not a nick"):
        asyncio.run(IrcSender(_settings(ircd.port))("alice\r\nQUIT@127.0.0.1", {"text": TEXT}))


def test_a_closed_port_is_a_retryable_error():
    with pytest.raises(DeliveryError) as error:
        asyncio.run(IrcSender(_settings(free_port()))("alice@127.0.0.1", {"text": TEXT}))
    assert not isinstance(error.value, PermanentDeliveryError)


def test_long_text_is_split_on_character_boundaries():
    lines = split_text("é" * 300 + "\n\nend")
    assert [len(line.encode()) for line in lines] == [400, 200, 3]
    assert "".join(lines) == "é" * 300 + "end"
