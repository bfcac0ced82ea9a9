"""Notification benchmark: how fast the notifier's durable queue delivers, and how long a
job's email takes to arrive after the job ends.

1. Throughput on loopback: ``count`` deliveries queued with ``enqueue`` in a fresh
   database (SQLite, and PostgreSQL unless ``--no-postgres``), then ``run_notifier`` until
   every row is ``sent`` and the sink received them all; against the same sender objects
   sending the same messages straight, ``BATCH`` at a time, with no queue and no database.
   The SMTP and HTTP sinks run in a process of their own, so they do not share our GIL.
2. Delay on a real ``gql-server serve``: ``jobs`` queued jobs with a ``status: canceled``
   notify block are canceled one at a time over GraphQL, each once the previous job's
   email arrived (then 50 more, with a pause after each email, so that the notifier is
   idle when the cancel comes); each email is stamped on arrival at an SMTP sink in this
   process, and the rows' queue times split the delay into stages. Then ``demo-jobs``
   jobs finished by ``serve --demo``'s simulator, from the job's ``end_time`` to its
   (verbose or quiet) email.

    .venv/bin/python bench/notify.py [--count 2000] [--jobs 200] [--demo-jobs 20] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import importlib.metadata
import json
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

import sqlalchemy
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import HOST, code_version, free_port, write_results
from gql_server.config import Settings
from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import NotificationDelivery
from gql_server.demo.generator import generate_demo
from gql_server.notify.callback import CallbackSender
from gql_server.notify.queue import (
    BATCH,
    CRITERIA,
    FAILED,
    QUIET_PAUSE_SECONDS,
    SENT,
    Sender,
    enqueue,
    run_notifier,
)
from gql_server.notify.smtp import SmtpSender
from gql_server.resolvers.changes import ChangeCounter
from tests.support.databases import sync_url, throwaway_database
from tests.support.server import GraphQLClient, ServerProcess, gql_server_command

KINDS = ("email", "callback")
NO_OP = "no-op"
"""The kind label of runs whose sender does nothing: the queue's own cost."""
DEADLINE_S = 300.0
WARMUP_JOBS = 5
LAB_JOBS = 50
DEMO_DEVICE_TYPES = ("qemu", "bbb", "rpi4b", "x86")
Delays = dict[str, list[float]]
EMAIL_BODY = "\n".join(
    f"Test Case case-{n}: Test passed\n  https://lab.example/results/42/0_smoke/case-{n}"
    for n in range(1, 21)
)
CALLBACK_BODY = json.dumps(
    {"id": 42, "status": 2, "status_string": "complete", "definition": "x" * 600}
)
SUBMIT = "mutation($d: String!) { submitJob(definition: $d) { id } }"
CANCEL = "mutation($id: Int!) { cancelJob(id: $id) { id } }"
END_TIME = "query($id: Int!) { job(id: $id) { endTime health } }"
PACED_JOBS = 50
PAUSE_S = 0.1
STAGES = {
    "in_request": "  stage: cancel sent -> criteria row queued (in the request)",
    "evaluation": "  stage: criteria queued -> email queued (wake, claim, evaluate)",
    "sending": "  stage: email queued -> mail arrival (commit, claim, SMTP)",
}


# --- the sinks of the throughput runs (a process of their own) ----------------------------


class _Counter:
    """Counts received messages in shared memory and signals when the goal is reached."""

    def __init__(self, received: Synchronized, goal: Synchronized, reached: ProcessEvent) -> None:
        self.received, self.goal, self.reached = received, goal, reached

    def add(self) -> None:
        with self.received.get_lock():
            self.received.value += 1
            if self.received.value >= self.goal.value:
                self.reached.set()


class _CountingMailbox:
    """An aiosmtpd handler that accepts and counts every message."""

    def __init__(self, counter: _Counter) -> None:
        self.counter = counter

    async def handle_DATA(self, _server: SMTP, _session: Session, _envelope: Envelope) -> str:
        self.counter.add()
        return "250 OK"


def _hook_app(counter: _Counter) -> Callable[..., Awaitable[None]]:
    """An ASGI app that reads the request, counts it and answers 200."""

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        counter.add()
        headers = [(b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def _listening(port: int) -> socket.socket:
    """A listening TCP socket on ``port``. Made with ``IPPROTO_TCP`` explicitly: asyncio
    sets ``TCP_NODELAY`` on accepted connections only when the protocol says TCP, and
    without it Nagle and delayed acknowledgements add 40 ms to each SMTP exchange."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))
    listener.listen(1024)
    return listener


async def _serve_sinks(ports: tuple[int, int], counter: _Counter, ready: ProcessEvent) -> None:
    smtp_port, http_port = ports
    handler = _CountingMailbox(counter)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.invalid"), sock=_listening(smtp_port)
    )
    config = uvicorn.Config(
        _hook_app(counter), log_level="warning", access_log=False, lifespan="off"
    )
    http = _listening(http_port)
    ready.set()  # both sockets listen: connections wait in the backlog until served
    async with smtp:
        await uvicorn.Server(config).serve(sockets=[http])


def run_sinks(
    ports: tuple[int, int],
    received: Synchronized,
    goal: Synchronized,
    reached: ProcessEvent,
    ready: ProcessEvent,
) -> None:
    """The sink process: an SMTP server and an HTTP server that count what they receive."""
    asyncio.run(_serve_sinks(ports, _Counter(received, goal, reached), ready))


class Sinks:
    """The sink process, seen from here: its ports, its count, and a wait for a goal."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.smtp_port, self.http_port = free_port(), free_port()
        self.received = context.Value("q", 0)
        self.goal = context.Value("q", 0)
        self.reached = context.Event()
        ready = context.Event()
        self.process = context.Process(
            target=run_sinks,
            args=((self.smtp_port, self.http_port), self.received, self.goal, self.reached, ready),
            daemon=True,
        )
        self.process.start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError("the sink process did not start")
        # One thread of our own to wait in, so that waiting takes none of the default
        # executor's threads, which the SMTP sender uses.
        self._waiter = concurrent.futures.ThreadPoolExecutor(1)

    def expect(self, count: int) -> None:
        """Reset the count; :meth:`wait` returns once ``count`` more messages arrived."""
        with self.received.get_lock():
            self.received.value = 0
            self.goal.value = count
            self.reached.clear()

    async def wait(self) -> None:
        """Wait until the goal is reached, or fail after the deadline."""
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(self._waiter, self.reached.wait, DEADLINE_S):
            raise RuntimeError(f"the sink received {self.received.value} of {self.goal.value}")

    def settings(self, database_url: str) -> Settings:
        """Settings that send email and callbacks to these sinks."""
        return Settings(
            database_url=database_url,
            smtp_host=HOST,
            smtp_port=self.smtp_port,
            smtp_from="lava@lab.example",
            callback_allowed_hosts=HOST,
        )

    def stop(self) -> None:
        """End the sink process."""
        self.process.terminate()
        self.process.join(15)


# --- throughput ------------------------------------------------------------------------------


def delivery(sinks: Sinks, kind: str, number: int) -> tuple[str, dict[str, Any]]:
    """The target and message of the ``number``-th delivery of ``kind``."""
    if kind == "email":
        return f"user{number}@example.org", {
            "subject": f"LAVA notification for Test Job {number} bench",
            "body": EMAIL_BODY,
        }
    return f"http://{HOST}:{sinks.http_port}/hook?n={number}", {
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": CALLBACK_BODY,
    }


def senders_for(settings: Settings) -> dict[str, Sender]:
    """The email and callback senders, as the server makes them."""
    return {"email": SmtpSender(settings), "callback": CallbackSender(settings)}


@dataclasses.dataclass(frozen=True)
class QueueRun:
    """One queue run: seconds to enqueue, to the sink's last message, to the last ``sent``."""

    enqueue_s: float
    received_s: float | None
    sent_s: float


async def _count_sent(sessions: Any, count: int) -> None:
    """Wait until ``count`` rows are sent (fail at once on a failed row, or at the deadline)."""
    table = NotificationDelivery
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        async with sessions() as session:
            rows = dict((await session.execute(
                select(table.status, func.count()).group_by(table.status)
            )).all())  # fmt: skip
        if rows.get(FAILED):
            raise RuntimeError(f"{rows[FAILED]} deliveries failed")
        if rows.get(SENT, 0) >= count:
            return
        await asyncio.sleep(0.005)
    raise RuntimeError("not every delivery was marked sent before the deadline")


async def _discard(_target: str, _message: Any) -> None:
    """A sender that sends nothing."""


async def queue_run(database_url: str, kind: str, count: int, sinks: Sinks) -> QueueRun:
    """Queue ``count`` deliveries of ``kind`` in a fresh database and time the notifier
    (``NO_OP``: email rows, delivered by a sender that does nothing)."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        settings = sinks.settings(database_url)
        queued = "email" if kind == NO_OP else kind
        senders = {queued: _discard} if kind == NO_OP else senders_for(settings)
        started = time.perf_counter()
        async with sessions() as session:
            for number in range(1, count + 1):
                target, message = delivery(sinks, queued, number)
                await enqueue(
                    session, job_id=number, event="finished", kind=queued, target=target,
                    message=message,
                )  # fmt: skip
            await session.commit()
        enqueued = time.perf_counter() - started
        sinks.expect(0 if kind == NO_OP else count)
        started = time.perf_counter()
        notifier = asyncio.create_task(run_notifier(sessions, settings, senders, ChangeCounter()))
        try:
            received = None
            if kind != NO_OP:
                await sinks.wait()
                received = time.perf_counter() - started
            await _count_sent(sessions, count)
            sent = time.perf_counter() - started
        finally:
            notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await notifier
        if sinks.received.value != sinks.goal.value:
            raise RuntimeError(f"the sink received {sinks.received.value}, not {count}")
        return QueueRun(enqueued, received, sent)
    finally:
        await engine.dispose()


async def direct_run(kind: str, count: int, sinks: Sinks) -> float:
    """Seconds to send ``count`` messages straight with the same sender, BATCH at a time."""
    sender = senders_for(sinks.settings("sqlite+aiosqlite://"))[kind]
    sinks.expect(count)
    started = time.perf_counter()
    for first in range(1, count + 1, BATCH):
        await asyncio.gather(
            *(
                sender(*delivery(sinks, kind, n))
                for n in range(first, min(first + BATCH, count + 1))
            )
        )
    await sinks.wait()
    return time.perf_counter() - started


def throughput(count: int, backends: tuple[str, ...], folder: Path) -> list[str]:
    """Run every throughput measurement; the report's lines."""
    sinks = Sinks()
    try:
        direct = {kind: asyncio.run(direct_run(kind, count, sinks)) for kind in KINDS}
        runs: dict[tuple[str, str], QueueRun] = {}
        for backend in backends:
            for kind in (*KINDS, NO_OP):
                with throwaway_database(backend, folder) as url:
                    runs[backend, kind] = asyncio.run(queue_run(url, kind, count, sinks))
                    print(f"  {backend} {kind}: {count / runs[backend, kind].sent_s:.0f}/s")
    finally:
        sinks.stop()
    head = (
        f"{'database':<11}{'kind':<9}{'queue /s':>10}{'direct /s':>11}{'queue/direct':>14}"
        f"{'to sink s':>11}{'all sent s':>12}{'enqueue s':>11}"
    )
    lines = [
        f"1. Throughput: {count} deliveries per run, loopback, notifier batch {BATCH};"
        " 'direct' = the same sender objects, no queue, no database, BATCH at a time",
        head,
        "-" * len(head),
    ]
    for (backend, kind), run in runs.items():
        queue_rate = count / run.sent_s
        direct_rate = count / direct[kind] if kind in direct else None
        ratio = "-" if direct_rate is None else f"{queue_rate / direct_rate:.2f}"
        received = "-" if run.received_s is None else f"{run.received_s:.2f}"
        lines.append(
            f"{backend:<11}{kind:<9}{queue_rate:>10.0f}"
            f"{'-' if direct_rate is None else f'{direct_rate:.0f}':>11}{ratio:>14}"
            f"{received:>11}{run.sent_s:>12.2f}{run.enqueue_s:>11.2f}"
        )
    lines.append(
        f"'{NO_OP}': email rows delivered by a sender that does nothing (the queue's own cost)"
    )
    return lines


# --- delay on a real server ------------------------------------------------------------------


class StampingMailbox:
    """An aiosmtpd handler (in the controller's thread) that stamps each message's arrival
    per recipient: ``(perf_counter, wall clock)``."""

    def __init__(self) -> None:
        self.arrivals: dict[str, tuple[float, float]] = {}
        self.bodies: dict[str, str] = {}
        self.changed = threading.Condition()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        stamp = (time.perf_counter(), time.time())
        with self.changed:
            for address in envelope.rcpt_tos:
                self.arrivals[address] = stamp
                self.bodies[address] = envelope.content.decode(errors="replace")
            self.changed.notify_all()
        return "250 OK"

    def wait(self, address: str, deadline: float) -> tuple[float, float]:
        """The arrival stamp of the mail to ``address``; fails at ``deadline`` (monotonic)."""
        with self.changed:
            if not self.changed.wait_for(
                lambda: address in self.arrivals, max(0.0, deadline - time.monotonic())
            ):
                raise RuntimeError(f"no mail to {address} before the deadline")
            return self.arrivals[address]


def job_definition(name: str, device_type: str, notify: str) -> str:
    """A public job with a notify block."""
    return (
        f"job_name: {name}\ndevice_type: {device_type}\nvisibility: public\n"
        "timeouts: {job: {minutes: 10}}\nactions:\n- boot: {method: qemu, media: tmpfs}\n" + notify
    )


def notify_block(criteria: str, address: str, verbosity: str | None = None) -> str:
    """A notify block mailing ``address`` when ``criteria`` holds."""
    line = f"  verbosity: {verbosity}\n" if verbosity else ""
    return (
        f"notify:\n  criteria: {{status: {criteria}}}\n{line}"
        f"  recipients:\n  - to: {{method: email, email: {address}}}\n"
    )


async def _prepare_lab(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
        await generate_demo(engine, LAB_JOBS)
    finally:
        await engine.dispose()


def prepare_lab(folder: Path, name: str) -> tuple[str, str]:
    """A fresh SQLite database holding a small demo lab, and a superuser's token."""
    url = f"sqlite+aiosqlite:///{folder / f'{name}.sqlite3'}"
    asyncio.run(_prepare_lab(url))
    made = subprocess.run(
        gql_server_command(url, "tokens", "add", "--user", "bench", "--superuser"),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return url, made.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def served_lab(
    folder: Path, name: str, mailbox: StampingMailbox, *extra: str, **env: str
) -> Iterator[tuple[GraphQLClient, str, str]]:
    """``gql-server serve`` on a fresh lab, mailing to ``mailbox``: a client, a token and
    the database's URL."""
    url, token = prepare_lab(folder, name)
    smtp = Controller(mailbox, hostname=HOST, port=free_port(), server_hostname="sink.invalid")
    smtp.start()
    settings = {
        "GQL_SERVER_SMTP_HOST": HOST,
        "GQL_SERVER_SMTP_PORT": str(smtp.port),
        "GQL_SERVER_SMTP_FROM": "lava@lab.example",
        "GQL_SERVER_SITE_URL": "http://lab.example",
    }
    server = ServerProcess(url, folder / f"{name}.log", *extra, env={**settings, **env})
    try:
        server.wait_until_ready()
        yield GraphQLClient(server.base_url), token, url
    finally:
        server.stop()
        smtp.stop()


def submit(client: GraphQLClient, token: str, definition: str) -> int:
    """Submit a job; its id."""
    return int(client.execute(SUBMIT, {"d": definition}, token)["submitJob"][0]["id"])


def queued_times(url: str) -> dict[tuple[int, str], dt.datetime]:
    """When each notification row was queued, by (job id, kind)."""
    engine = sqlalchemy.create_engine(sync_url(url))
    table = NotificationDelivery
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(table.job_id, table.kind, table.created)).all()
    finally:
        engine.dispose()
    return {(row.job_id, row.kind): row.created for row in rows}


def stage_delays(url: str, stamps: list[tuple[int, float, float]]) -> Delays:
    """Milliseconds spent in each stage, from the rows' queue times and the wall-clock
    stamps ``(job id, cancel sent, mail arrival)``."""
    queued = queued_times(url)
    stages: Delays = {stage: [] for stage in STAGES}
    for job_id, sent, arrived in stamps:
        criteria = queued[job_id, CRITERIA].timestamp()
        email = queued[job_id, "email"].timestamp()
        stages["in_request"].append((criteria - sent) * 1000)
        stages["evaluation"].append((email - criteria) * 1000)
        stages["sending"].append((arrived - email) * 1000)
    return stages


def _cancel_one(
    client: GraphQLClient, token: str, mailbox: StampingMailbox, job_id: int, address: str
) -> tuple[float, float, float, float, float]:
    """Cancel a job and wait for its mail: perf-counter times of the call's start and
    return and of the mail's arrival, and wall-clock times of the start and the arrival."""
    sent, sent_wall = time.perf_counter(), time.time()
    response = client.post(CANCEL, {"id": job_id}, token)
    returned = time.perf_counter()
    if response.status_code != 200 or "errors" in response.json():
        raise RuntimeError(f"cancelJob {job_id}: {response.text[:300]}")
    arrived, arrived_wall = mailbox.wait(address, time.monotonic() + DEADLINE_S)
    return sent, returned, arrived, sent_wall, arrived_wall


def cancel_delays(folder: Path, phases: dict[str, tuple[int, float]]) -> dict[str, Delays]:
    """Per phase (name: number of jobs, pause in seconds between a mail's arrival and the
    next cancel), milliseconds per canceled job: the cancel call, the mail after the call's
    return and after its start, and the stages in between. The pause is load shaping (an
    idle notifier, as in a quiet lab), not synchronisation: each cancel waits for the
    previous mail."""
    mailbox = StampingMailbox()
    results: dict[str, Delays] = {}
    with served_lab(folder, "cancel", mailbox) as (client, token, url):
        for index, (phase, (jobs, pause)) in enumerate(phases.items()):
            addresses = [f"cancel-{index}-{n}@example.org" for n in range(jobs + WARMUP_JOBS)]
            notify = [notify_block("canceled", a) for a in addresses]
            ids = [
                submit(client, token, job_definition(f"bench {a}", "qemu", block))
                for a, block in zip(addresses, notify, strict=True)
            ]
            delays: Delays = {"call": [], "returned": [], "sent": []}
            stamps: list[tuple[int, float, float]] = []
            for n, (job_id, address) in enumerate(zip(ids, addresses, strict=True)):
                sent, returned, arrived, sent_wall, arrived_wall = _cancel_one(
                    client, token, mailbox, job_id, address
                )
                if n >= WARMUP_JOBS:
                    stamps.append((job_id, sent_wall, arrived_wall))
                    delays["call"].append((returned - sent) * 1000)
                    delays["returned"].append((arrived - returned) * 1000)
                    delays["sent"].append((arrived - sent) * 1000)
                if pause:
                    time.sleep(pause)
            if "health Canceled" not in mailbox.bodies[addresses[-1]]:
                raise RuntimeError("the cancel mail does not say the job was canceled")
            results[phase] = {**delays, **stage_delays(url, stamps)}
    return results


def simulator_delays(folder: Path, jobs: int) -> Delays:
    """Milliseconds from a job's end_time (set by ``serve --demo``'s simulator) to its
    email, per verbosity."""
    mailbox = StampingMailbox()
    verbosities = ("verbose", "quiet")
    delays: Delays = {v: [] for v in verbosities}
    # An empty mail folder setting keeps --demo from starting its own mail server, so the
    # mail goes to our SMTP sink.
    with served_lab(folder, "demo", mailbox, "--demo", GQL_SERVER_DEMO_MAIL_FOLDER="") as (
        client,
        token,
        _url,
    ):
        submitted = []
        for n in range(jobs):
            address, verbosity = f"demo-{n}@example.org", verbosities[n % 2]
            device_type = DEMO_DEVICE_TYPES[n % len(DEMO_DEVICE_TYPES)]
            block = notify_block("finished", address, verbosity)
            job_id = submit(client, token, job_definition(f"bench {address}", device_type, block))
            submitted.append((job_id, address, verbosity))
        deadline = time.monotonic() + DEADLINE_S
        for job_id, address, verbosity in submitted:
            _arrived, wall = mailbox.wait(address, deadline)
            job = client.execute(END_TIME, {"id": job_id}, token)["job"]
            ended = dt.datetime.fromisoformat(job["endTime"]).timestamp()
            delays[verbosity].append((wall - ended) * 1000)
        if "Test Suite" not in mailbox.bodies[submitted[0][1]]:
            raise RuntimeError("the verbose mail lists no test suite")
    return delays


def _row(label: str, values: list[float]) -> str:
    p99 = statistics.quantiles(values, n=100, method="inclusive")[98]
    return (
        f"  {label:<64} n={len(values):<4} median {statistics.median(values):8.1f} ms"
        f"   p99 {p99:8.1f} ms   max {max(values):8.1f} ms"
    )


def delay_lines(cancels: dict[str, Delays], demo: Delays | None) -> list[str]:
    """The report's lines on delays."""
    lines = [
        "2. Delay on a real `gql-server serve` (SQLite, small demo lab, notifier defaults):"
        " queued jobs canceled one at a time with GraphQL cancelJob, each after the previous"
        f" job's mail arrived; quiet email; {WARMUP_JOBS} warm-up jobs left out per phase"
    ]
    for phase, delays in cancels.items():
        lines += [
            f"   {phase}",
            _row("cancelJob call (sent -> response read)", delays["call"]),
            _row("mail arrival - cancel call returned", delays["returned"]),
            _row("mail arrival - cancel call sent", delays["sent"]),
            *(_row(label, delays[stage]) for stage, label in STAGES.items()),
        ]
    lines.append(
        f"   (after a round that found nothing the notifier pauses {QUIET_PAUSE_SECONDS * 1000:.0f}"
        " ms before it listens for changes; back to back, a cancel often lands in that pause)"
    )
    if demo:
        lines.append(
            "   jobs finished by `serve --demo`'s simulator: mail arrival - job end_time"
            " (wall clock; end_time read over GraphQL)"
        )
        lines += [_row(f"{verbosity} email", values) for verbosity, values in demo.items()]
    return lines


# --- the run ---------------------------------------------------------------------------------


def describe(args: argparse.Namespace) -> list[str]:
    """Header lines: when, on what, with which versions."""
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("sqlalchemy", "aiosqlite", "asyncpg", "httpx", "aiosmtpd", "uvicorn")
    )
    return [
        f"gql-server notification benchmark started {code_version()}",
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}; {versions}",
        f"SMTP sends run in the sender's own {BATCH} threads, one per send of a batch",
        f"command: bench/notify.py --count {args.count} --jobs {args.jobs}"
        f" --demo-jobs {args.demo_jobs}" + (" --no-postgres" if args.no_postgres else ""),
    ]


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="deliveries per throughput run")
    parser.add_argument("--jobs", type=int, default=200, help="jobs canceled on the server")
    parser.add_argument(
        "--demo-jobs", type=int, default=20, help="jobs run by the demo simulator (0: skip)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args()
    if args.count < BATCH or args.jobs < 2 or args.demo_jobs not in (0, *range(4, 10_000)):
        parser.error(f"need --count >= {BATCH}, --jobs >= 2, --demo-jobs 0 or >= 4")
    return args


def main() -> int:
    """Measure, print the report and write it to bench/results/notify-<date>.txt."""
    args = parse_args()
    started = time.monotonic()
    lines = describe(args)
    backends = ("sqlite",) if args.no_postgres else ("sqlite", "postgresql")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        print("throughput runs...")
        lines += ["", *throughput(args.count, backends, folder)]
        print("cancel delays...")
        phases = {
            "back to back": (args.jobs, 0.0),
            f"paced: {PAUSE_S * 1000:.0f} ms pause after each mail": (PACED_JOBS, PAUSE_S),
        }
        cancels = cancel_delays(folder, phases)
        print("simulator delays...")
        demo = simulator_delays(folder, args.demo_jobs) if args.demo_jobs else None
    lines += ["", *delay_lines(cancels, demo), "", f"whole run: {time.monotonic() - started:.0f} s"]
    text = "\n".join(lines) + "\n"
    print()
    print(text, end="")
    print(f"written to {write_results(text, 'notify')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
