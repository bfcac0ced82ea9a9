"""The live lab page's figures: its transfer size, and how long a job's state change takes
to show on it, in headless Chromium on a real ``gql-server serve --demo`` (SQLite).

    .venv/bin/python bench/live_page.py [--jobs 20]

Transfer size: ``/`` plus every asset it loads (the stylesheet and the JavaScript modules,
followed through their imports), raw as the server sends them and gzip-compressed (level 6)
as a compressing proxy would. Latency: for each of ``--jobs`` jobs, submitJob then cancelJob
through GraphQL, one change at a time; from the moment each mutation's response is read
(and from the event's own timestamp) to the moment the page renders the job row's new state
(the page stamps it with ``performance.timeOrigin + performance.now()``, the same wall
clock), next to when a Python subscriber on the same server receives the event. Writes
bench/results/live-page-<date>.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import code_version, write_results
from tests.conftest import make_token
from tests.support.databases import sync_url
from tests.support.live import GraphQLSocket, graphql_socket
from tests.support.server import GraphQLClient, ServerProcess
from tests.web.browser import CHROMIUM, LivePage, headless_chromium, submit_job

REFERENCE = "subscription { jobEvents { __typename cursor ... on JobEvent { jobId state } } }"
CANCEL = "mutation ($id: Int!) { cancelJob(id: $id) { id state } }"
ASSET = re.compile(r"""(?:src|href)="(/static/[^"]+)"|from\s+"\./([^"]+)\"""")


def transfer_size(base_url: str) -> tuple[list[tuple[str, int, int]], int, int]:
    """Each file the page loads with its raw and gzip sizes, and the totals."""
    todo, seen, sizes = ["/"], set(), []
    with httpx.Client(base_url=base_url) as http:
        while todo:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            body = http.get(path).raise_for_status().content
            sizes.append((path, len(body), len(gzip.compress(body, compresslevel=6))))
            for absolute, relative in ASSET.findall(body.decode()):
                todo.append(absolute or f"/static/{relative}")
    return sizes, sum(raw for _, raw, _ in sizes), sum(packed for _, _, packed in sizes)


def event_time(database_url: str, job_id: int, state: str) -> float:
    """The wall-clock time (ms) of the job's event entering ``state`` (its own timestamp)."""
    engine = sqlalchemy.create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text(
                "SELECT created, data FROM gql_server_event WHERE job_id = :id ORDER BY id"
            ),
            {"id": job_id},
        ).all()
    engine.dispose()
    label = state.capitalize()
    for created, data in rows:
        if json.loads(data)["state"] == label:
            stamp = (
                created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(created)
            )
            return stamp.replace(tzinfo=stamp.tzinfo or dt.UTC).timestamp() * 1000
    raise LookupError(f"no {state} event of job {job_id}")


def shown_at(page: LivePage, job_id: int, state: str) -> float:
    """When the page rendered the job's row in ``state`` (epoch ms), waiting for it."""
    return page.wait(
        lambda: page.script(
            "return window.__lab.renderedAt(arguments[0], arguments[1])", job_id, state
        ),
        f"job {job_id} {state} on the page",
    )


class Reference(threading.Thread):
    """A Python graphql-transport-ws subscriber on the same server: when each job event
    arrives there (epoch ms), to tell the browser's share of the delay from the server's."""

    def __init__(self, socket: GraphQLSocket) -> None:
        super().__init__(daemon=True)
        self.socket = socket
        self.arrivals: dict[tuple[int, str], float] = {}

    def run(self) -> None:
        with contextlib.suppress(Exception):  # the socket closed: the run is over
            while True:
                message = json.loads(self.socket.ws.recv())
                if message["type"] == "next":
                    event = message["payload"]["data"]["jobEvents"]
                    if "jobId" in event:
                        self.arrivals[event["jobId"], event["state"]] = time.time() * 1000


def measure(
    page: LivePage, client: GraphQLClient, token: str, database_url: str, jobs: int
) -> dict[str, dict[str, list[float]]]:
    """Per change kind: ms from the mutation's return and from the event's timestamp to the
    page showing it, and from the mutation's return to a Python subscriber's receiving it."""
    with graphql_socket(page.base_url) as socket:
        socket.subscribe(REFERENCE)
        reference = Reference(socket)
        reference.start()
        return _measure(page, client, token, database_url, jobs, reference)


def _measure(
    page: LivePage,
    client: GraphQLClient,
    token: str,
    database_url: str,
    jobs: int,
    reference: Reference,
) -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {}

    def record(name: str, job_id: int, state: str, returned: float) -> None:
        at = shown_at(page, job_id, state)
        stamps = found.setdefault(name, {"returned": [], "event": [], "reference": []})
        stamps["returned"].append(at - returned)
        stamps["event"].append(at - event_time(database_url, job_id, state))
        arrived = reference.arrivals[job_id, state]
        stamps["reference"].append(arrived - returned)

    for _ in range(jobs):  # one change at a time: each is shown before the next is made
        job_id = submit_job(client, token)
        record("submitJob -> SUBMITTED", job_id, "SUBMITTED", time.time() * 1000)
        state = client.execute(CANCEL, {"id": job_id}, token)["cancelJob"][0]["state"]
        record(f"cancelJob -> {state}", job_id, state, time.time() * 1000)
    return found


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (
        f"n={len(values):<3} median {statistics.median(values):7.1f} ms   p90 {p90:7.1f} ms"
        f"   max {ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    version = code_version()
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/lab.sqlite3"
        env = {"GQL_SERVER_DEMO_MAIL_FOLDER": f"{folder}/mail"}
        server = ServerProcess(url, Path(folder) / "server.log", "--demo", env=env)
        driver = headless_chromium()
        try:
            server.wait_until_ready()
            token = make_token(url, "alice")
            sizes, raw, packed = transfer_size(server.base_url)
            page = LivePage(driver, server.base_url)
            page.open()
            found = measure(page, GraphQLClient(server.base_url), token, url, args.jobs)
        finally:
            driver.quit()
            server.stop()

    lines = [
        f"gql-server live page benchmark started {version}",
        f"machine: {platform.machine()}, Linux {platform.release()}, Python"
        f" {platform.python_version()}; {chromium.stdout.strip()} headless",
        f"command: bench/live_page.py --jobs {args.jobs}",
        "",
        "1. Transfer size of / and what it loads (no compression on the server; gzip -6 shown"
        " for a compressing proxy)",
        *(
            f"  {path:<24} {raw_size:7d} B raw {packed_size:7d} B gzip"
            for path, raw_size, packed_size in sizes
        ),
        f"  {'total':<24} {raw:7d} B raw {packed:7d} B gzip ({len(sizes)} requests;"
        " plus the snapshot query and the websocket)",
        "",
        "2. From a job's state change to the page showing it (serve --demo, SQLite, loopback;"
        " jobs submitted and canceled by GraphQL one at a time)",
    ]
    for name, stamps in found.items():
        lines.append(f"  {name:<28} since the mutation returned   {summary(stamps['returned'])}")
        lines.append(f"  {name:<28} since the event's timestamp   {summary(stamps['event'])}")
        lines.append(
            f"  {name:<28} to a Python subscriber        {summary(stamps['reference'])}"
            "   (reference: a Python client, same run)"
        )
    text = "\n".join(lines) + "\n"
    print(text, end="")
    print(f"written to {write_results(text, 'live-page')}")


if __name__ == "__main__":
    main()
