"""Real servers on loopback for the notification senders' tests: a self-signed
certificate, an SMTP server (aiosmtpd), an IRC server (ngircd) and a watcher on it, and
an HTTP server that records the callbacks it receives."""

from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.live import wait_for

DEADLINE_S = 30.0


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid one day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclasses.dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every accepted message and the logins it saw, and
    refuses the recipients listed in ``refuse`` with a 550."""

    refuse: set[str] = dataclasses.field(default_factory=set)
    received: list[tuple[str, list[str], email.message.EmailMessage]] = dataclasses.field(
        default_factory=list
    )
    logins: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> Any:
        from aiosmtpd.smtp import AuthResult

        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == "s3cret", handled=False)


class Ngircd:
    """A real ngIRCd on free loopback ports (plain, and TLS when given a certificate),
    with a configuration of its own in ``folder``. It registers a client only after the
    client answered its ``PING`` (``RequireAuthPing``)."""

    def __init__(self, folder: Path, tls: tuple[Path, Path] | None = None) -> None:
        from tests.support.server import free_port

        self.port = free_port()
        self.tls_port = free_port() if tls else None
        config = folder / "ngircd.conf"
        lines = [
            "[Global]",
            "Name = irc.test.invalid",
            "Info = notification tests",
            "Listen = 127.0.0.1",
            f"Ports = {self.port}",
            f"PidFile = {folder / 'ngircd.pid'}",
            "MotdPhrase = hello",
            "[Limits]",
            "MaxConnectionsIP = 0",
            "[Options]",
            "PAM = no",
            "Ident = no",
            "DNS = no",
            "RequireAuthPing = yes",
        ]
        if tls:
            cert, key = tls
            lines += ["[SSL]", f"CertFile = {cert}", f"KeyFile = {key}", f"Ports = {self.tls_port}"]
        config.write_text("\n".join(lines) + "\n")
        self.log = (folder / "ngircd.log").open("wb")
        self.process = subprocess.Popen(
            ["ngircd", "--nodaemon", "--config", str(config)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for port in filter(None, (self.port, self.tls_port)):
            wait_for(lambda port=port: self._accepts(port), f"ngircd on port {port}", DEADLINE_S)

    def _accepts(self, port: int) -> bool:
        assert self.process.poll() is None, "ngircd exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """End the server and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=DEADLINE_S)
        self.log.close()


class IrcWatcher:
    """A second IRC client that registers as ``nick``, may join channels, and collects
    the ``PRIVMSG`` lines it receives."""

    def __init__(self, port: int, nick: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
        self.buffer = b""
        self.sock.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
        self.read_until(lambda line: line.split(" ")[1:2] == ["001"])

    def join(self, channel: str) -> None:
        """Join ``channel`` and wait until joined."""
        self.sock.sendall(f"JOIN {channel}\r\n".encode())
        self.read_until(lambda line: line.split(" ")[1:2] == ["366"])

    def read_until(self, wanted: Callable[[str], bool]) -> str:
        """The first line received that ``wanted`` accepts; answers PING meanwhile."""
        deadline = time.monotonic() + DEADLINE_S
        while True:
            while b"\r\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\r\n", 1)
                line = raw.decode()
                if line.startswith("PING"):
                    self.sock.sendall(b"PONG" + raw[4:] + b"\r\n")
                elif wanted(line):
                    return line
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(4096)
            assert chunk, "the IRC server closed the watcher's connection"
            self.buffer += chunk

    def privmsg(self) -> str:
        """The next private or channel message received, as its raw line."""
        return self.read_until(lambda line: line.split(" ")[1:2] == ["PRIVMSG"])

    def close(self) -> None:
        """Disconnect."""
        self.sock.close()


@dataclasses.dataclass
class Hit:
    """One request the hook server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HookServer:
    """A real HTTP server (``http.server`` in a thread) on a free loopback port that
    records every request. ``/ok`` answers 200, ``/fail`` 500, ``/moved`` 302 to ``/ok``,
    ``/slow`` answers only when the server stops."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.hits.append(Hit(self.command, self.path, dict(self.headers), body))
                if self.path.startswith("/slow"):
                    server.release.wait(DEADLINE_S)
                status = {"/fail": 500, "/moved": 302}.get(self.path.split("?")[0], 200)
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/ok")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """The address of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        """Release the slow requests and shut down."""
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
