"""GraphQL benchmark: gql-server against a naive strawberry app and a plain Starlette ceiling.

One command prepares (and caches) a demo lab, starts on loopback gql-server twice (with
its default settings, and with the result cache off so that every request runs the GraphQL
path) and the two baselines, loads each with wrk at concurrency 1 and 16, and prints a
table of requests per second, latencies, ratios, SQL statements per request and memory,
which it also writes to ``bench/results/graphql-<date>.txt``.

    .venv/bin/python bench/run.py [--jobs 100000] [--duration 20] [--rounds 1] [--profile]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from email.message import Message
from pathlib import Path
from types import TracebackType
from typing import Any

from gql_server.resolvers.pagination import encode_cursor

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
POST_LUA = BENCH / "post.lua"
HOST = "127.0.0.1"
PAGE_SIZE = 50
DEEP_FRACTION = 0.9
STATEMENT_PAGE_SIZES = (10, 100)
LOADS = (("c1", 1, 1), ("c16", 2, 16))  # label, wrk threads, connections
RSS_TARGET_MIB = 150
STARTUP_SECONDS = 120
NODE_FIELDS = (
    "id description state health submitTime device { hostname deviceType { name } }"
    " requestedDeviceType { name } resultCounts { passed failed skipped unknown total }"
)


@dataclasses.dataclass(frozen=True)
class Server:
    """A server process started by this run."""

    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def graphql_url(self) -> str:
        return f"http://{HOST}:{self.port}/graphql"


@dataclasses.dataclass(frozen=True)
class Target:
    """One thing to load: a server, the request body to POST to it (None: GET), and where."""

    label: str
    server: Server
    request_file: Path | None
    path: str = "/graphql"
    authorization: str | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.port}{self.path}"


@dataclasses.dataclass(frozen=True)
class WrkResult:
    """What one wrk run reported."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


@dataclasses.dataclass(frozen=True)
class Memory:
    """Resident memory of a process, current and peak, in MiB."""

    rss_mib: float
    peak_mib: float


@dataclasses.dataclass
class Report:
    """Everything measured in one run."""

    context: list[str]
    runs: dict[tuple[str, str], list[WrkResult]]  # (target label, load label) -> one per round
    statements: dict[int, int]  # page size -> SQL statements per request
    memory: dict[str, tuple[Memory, Memory]]  # server name -> (idle, after the load)
    problems: list[str]

    def median(self, target: str, load: str) -> WrkResult | None:
        """The run with the median requests per second (the lower one of an even count)."""
        runs = sorted(self.runs.get((target, load), []), key=lambda r: r.requests_per_second)
        return runs[(len(runs) - 1) // 2] if runs else None


class Children:
    """The child processes of this run; all of them are stopped when the block exits."""

    def __init__(self) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(
        self, argv: Sequence[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in its own session (so Ctrl-C reaches only us), output to ``log``."""
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._processes.append(process)
        return process

    def stop_all(self) -> None:
        """Terminate every child still running, killing those that do not stop."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- preparation -------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def read_only(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """A read-only connection to a SQLite file, closed when its block exits."""
    return contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def count_jobs(path: Path) -> int:
    """How many jobs the lab at ``path`` holds (-1 when it is unreadable)."""
    try:
        with read_only(path) as db:
            return db.execute("SELECT count(*) FROM lava_scheduler_app_testjob").fetchone()[0]
    except sqlite3.Error:
        return -1


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its WAL side files."""
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        path.with_name(name).unlink(missing_ok=True)


def prepare_lab(server_command: Path, jobs: int) -> Path:
    """The cached demo lab of ``jobs`` jobs, generated first when missing or incomplete."""
    path = CACHE / f"lab-{jobs}.sqlite3"
    if path.exists() and count_jobs(path) == jobs:
        print(f"lab: reusing {path.relative_to(ROOT)}")
        return path
    remove_database(path)
    partial = path.with_name(path.name + ".part")
    remove_database(partial)
    print(f"lab: generating {jobs:,} jobs into {path.relative_to(ROOT)} (cached for next runs)")
    argv = [str(server_command), "--database-url", sqlite_url(partial), "demo", "--jobs", str(jobs)]
    subprocess.run(argv, cwd=ROOT, env=server_env(), check=True)
    with contextlib.closing(sqlite3.connect(partial)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if count_jobs(partial) != jobs:
        raise RuntimeError(f"{partial} does not hold {jobs} jobs after generation")
    partial.rename(path)
    remove_database(partial)
    return path


def newest_job_id(path: Path) -> int:
    """The highest job id in the lab."""
    with read_only(path) as db:
        return db.execute("SELECT max(id) FROM lava_scheduler_app_testjob").fetchone()[0]


def server_env(**settings: str) -> dict[str, str]:
    """This environment without any ``GQL_SERVER_*`` setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GQL_SERVER_")}
    env.update({f"GQL_SERVER_{name.upper()}": value for name, value in settings.items()})
    return env


def find_command(name: str, hint: str) -> Path:
    """An executable next to this Python, else on PATH; exits with ``hint`` when absent."""
    beside = Path(sys.executable).with_name(name)
    found = beside if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: {hint}")
    return Path(found)


# --- servers and requests ------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_answering(server: Server, path: str) -> None:
    """Poll ``path`` until the server sends any HTTP answer; fail if it exits or hangs."""
    url = f"http://{HOST}:{server.port}{path}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with status {server.process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {url} within {STARTUP_SECONDS} s")


def start_server(
    children: Children, name: str, argv: list[str], ready_path: str, **settings: str
) -> Server:
    """Start a server on a free port (``argv`` gets ``--port P``) and wait until it answers."""
    port = free_port()
    log = CACHE / f"{name}.log"
    process = children.start([*argv, "--port", str(port)], log, server_env(**settings))
    server = Server(name, process, port)
    try:
        wait_until_answering(server, ready_path)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}; see {log.relative_to(ROOT)}") from exc
    print(f"{name}: listening on {HOST}:{port} (pid {process.pid})")
    return server


def jobs_query(first: int, after: str | None = None) -> str:
    """The benchmark query: a page of jobs with nested device, device type and counts."""
    arguments = f"first: {first}" + (f', after: "{after}"' if after else "")
    return f"{{ jobs({arguments}) {{ nodes {{ {NODE_FIELDS} }} }} }}"


def request_body(query: str) -> bytes:
    """A GraphQL POST body."""
    return json.dumps({"query": query}).encode()


def post(url: str, body: bytes, authorization: str | None = None) -> tuple[bytes, Message]:
    """POST a JSON body; the raw response body and its headers."""
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, body, headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read(), response.headers


def job_nodes(raw: bytes, what: str) -> list[dict[str, Any]]:
    """The job nodes of a GraphQL answer, which must hold no errors and some jobs."""
    answer = json.loads(raw)
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{what}: unexpected answer {raw[:500]!r}")
    nodes = answer["data"]["jobs"]["nodes"]
    if not nodes:
        raise RuntimeError(f"{what}: no jobs in the answer")
    return nodes


def check_same_data(server: Server, body: bytes, expected: bytes, problems: list[str]) -> None:
    """Record a problem unless ``server`` answers ``body`` with the expected ``data``."""
    raw, _headers = post(server.graphql_url, body)
    if json.loads(raw).get("data") != json.loads(expected)["data"]:
        problems.append(f"{server.name} answers differently from gql-server: {raw[:200]!r}")


def statements_per_request(server: Server, page_size: int) -> int:
    """SQL statements gql-server runs for the nested query at a page size (after a warm-up)."""
    body = request_body(jobs_query(page_size))
    post(server.graphql_url, body)
    _raw, headers = post(server.graphql_url, body)
    return int(headers["x-sql-statements"])


def memory(pid: int) -> Memory:
    """Current and peak resident memory of a process, from /proc."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return Memory(rss_mib=fields["VmRSS"], peak_mib=fields["VmHWM"])


# --- load ------------------------------------------------------------------------------------

_LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _LATENCY_UNITS[match.group(2)]


def _search(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise ValueError(f"wrk output without {pattern!r}:\n{output}")
    return match


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, median and 99th percentile latency, and errors from wrk."""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(_search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_milliseconds(_search(r"^\s+50%\s+(\S+)", output).group(1)),
        p99_ms=_milliseconds(_search(r"^\s+99%\s+(\S+)", output).group(1)),
        requests=int(_search(r"(\d+) requests in", output).group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def wrk_argv(wrk: Path, target: Target, threads: int, connections: int, seconds: int) -> list[str]:
    """The wrk command line that POSTs the target's request body (or GETs its URL)."""
    authorization = ["-H", f"Authorization: {target.authorization}"] if target.authorization else []
    argv = [
        str(wrk), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *authorization,
    ]  # fmt: skip
    if target.request_file is None:
        return [*argv, target.url]
    return [*argv, "-s", str(POST_LUA), target.url, "--", str(target.request_file)]


def run_wrk(wrk: Path, target: Target, threads: int, connections: int, seconds: int) -> WrkResult:
    """Load a target with wrk for ``seconds`` and parse what it reports."""
    argv = wrk_argv(wrk, target, threads, connections, seconds)
    return parse_wrk(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)


def load_all(
    wrk: Path, targets: Sequence[Target], args: argparse.Namespace, problems: list[str]
) -> dict[tuple[str, str], list[WrkResult]]:
    """Warm every target up, then run every load on every target once per round."""
    for target in targets:
        run_wrk(wrk, target, LOADS[-1][1], LOADS[-1][2], args.warmup)
    runs: dict[tuple[str, str], list[WrkResult]] = collections.defaultdict(list)
    for round_number in range(1, args.rounds + 1):
        for target in targets:
            for label, threads, connections in LOADS:
                print(f"load: round {round_number}/{args.rounds}: {target.label}, {label}")
                result = run_wrk(wrk, target, threads, connections, args.duration)
                runs[target.label, label].append(result)
                if result.non_2xx or result.socket_errors:
                    problems.append(
                        f"{target.label} {label}: {result.non_2xx} non-2xx responses,"
                        f" {result.socket_errors} socket errors in {result.requests} requests"
                    )
    return runs


# --- profile -------------------------------------------------------------------------------


def profile(wrk: Path, target: Target, seconds: int) -> list[str]:
    """Sample the target's server with py-spy under c16 load; a summary, as lines.

    Only the thread holding the GIL is sampled (``--gil``): idle threads, such as
    aiosqlite's workers waiting on their queues, would otherwise count as busy.
    """
    py_spy = find_command("py-spy", "install it with .venv/bin/pip install py-spy")
    slug = re.sub(r"\W+", "-", target.label).strip("-")
    output = CACHE / f"profile-{slug}-{dt.date.today().isoformat()}.txt"
    sampler = [
        str(py_spy), "record", "--pid", str(target.server.process.pid), "--gil",
        "--format", "raw", "--rate", "200", "--duration", str(seconds), "--output", str(output),
    ]  # fmt: skip
    _label, threads, connections = LOADS[-1]
    load = subprocess.Popen(
        wrk_argv(wrk, target, threads, connections, seconds + 2), stdout=subprocess.DEVNULL
    )
    try:
        time.sleep(1)
        subprocess.run(sampler, capture_output=True, check=True)
    finally:
        load.wait()
    return summarize_profile(output, f"{target.label} under c16 load")


def _frame_parts(frame: str) -> tuple[str, str]:
    """``(function (path))`` without the line number, and the path's first directory."""
    plain = re.sub(r":\d+\)$", ")", frame) or "(unknown frame)"
    path = plain[plain.rfind("(") + 1 : -1] if plain.endswith(")") else ""
    return plain, path.split("/")[0] or "?"


def summarize_profile(path: Path, label: str, top: int = 12) -> list[str]:
    """Self time by library and by function, and total time under gql-server's functions.

    SQLAlchemy's async layer runs statements in greenlets whose stacks start at
    ``Session.execute``, so time spent executing SQL is not counted under our callers.
    """
    libraries: collections.Counter[str] = collections.Counter()
    functions: collections.Counter[str] = collections.Counter()
    ours: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame_parts(frame) for frame in stack.split(";")]
        total += int(count)
        libraries[frames[-1][1]] += int(count)
        functions[frames[-1][0]] += int(count)
        for name in {plain for plain, library in frames if library == "gql_server"}:
            ours[name] += int(count)

    def share(count: int) -> str:
        return f"{100 * count / max(total, 1):5.1f}%"

    return [
        f"py-spy profile of {label}, GIL holder only ({total} samples, {path.relative_to(ROOT)})",
        "  self time by library: "
        + ", ".join(f"{name} {share(n).strip()}" for name, n in libraries.most_common(8)),
        f"  top {top} functions by self time:",
        *(f"    {share(n)}  {name}" for name, n in functions.most_common(top)),
        f"  top {top} gql_server functions by total time (SQL execution not included):",
        *(f"    {share(n)}  {name}" for name, n in ours.most_common(top)),
    ]


# --- report -------------------------------------------------------------------------------


def _ratio(report: Report, top: str, bottom: str, load: str) -> float | None:
    numerator, denominator = report.median(top, load), report.median(bottom, load)
    if numerator is None or denominator is None or not denominator.requests_per_second:
        return None
    return numerator.requests_per_second / denominator.requests_per_second


def _spread(runs: Sequence[WrkResult]) -> str:
    """Half the range of requests per second over the rounds, relative to their median."""
    rates = [run.requests_per_second for run in runs]
    return f"±{50 * (max(rates) - min(rates)) / statistics.median(rates):.0f}%"


def result_table(report: Report, labels: Sequence[str], rounds: int) -> list[str]:
    """One row per target: req/s (median of the rounds), p50 and p99 of that run, per load."""
    spread = rounds > 1
    spread_head = f"{'spread':>8}" if spread else ""
    head = f"{'target':<36}" + "".join(
        f"{label + ' req/s':>12}{spread_head}{'p50 ms':>9}{'p99 ms':>9}" for label, _t, _c in LOADS
    )
    rows = [head, "-" * len(head)]
    for target in labels:
        row = f"{target:<36}"
        for label, _threads, _connections in LOADS:
            median = report.median(target, label)
            assert median is not None
            row += f"{median.requests_per_second:>12.1f}"
            row += f"{_spread(report.runs[target, label]):>8}" if spread else ""
            row += f"{median.p50_ms:>9.2f}{median.p99_ms:>9.2f}"
        rows.append(row)
    return rows


def ratio_table(report: Report, ratios: Sequence[tuple[str, str, str, str]]) -> list[str]:
    """Ratios of requests per second per load: (title, numerator, denominator, format)."""
    rows = [f"{'ratio of req/s':<62}" + "".join(f"{label:>9}" for label, _t, _c in LOADS)]
    for title, top, bottom, form in ratios:
        cells = (_ratio(report, top, bottom, label) for label, _t, _c in LOADS)
        rows.append(
            f"{title:<62}" + "".join(f"{'-' if c is None else format(c, form):>9}" for c in cells)
        )
    return rows


def memory_lines(report: Report) -> list[str]:
    """Resident memory of each gql-server process, against the target."""
    lines = []
    for name, (idle, loaded) in report.memory.items():
        verdict = "ok" if max(idle.peak_mib, loaded.peak_mib) < RSS_TARGET_MIB else "OVER"
        lines.append(
            f"{name} resident memory: idle {idle.rss_mib:.1f} MiB, after the load"
            f" {loaded.rss_mib:.1f} MiB, peak {loaded.peak_mib:.1f} MiB"
            f" (target < {RSS_TARGET_MIB} MiB: {verdict})"
        )
    return lines


def render(report: Report, labels: Sequence[str], rounds: int) -> str:
    """The whole report as text."""
    cached, cached_deep, ours, ours_deep, naive, ceiling = labels
    small, large = STATEMENT_PAGE_SIZES
    ratios = (
        (f"{ours} / {naive} (goal >= 3)", ours, naive, ".2f"),
        (f"{cached} / {naive} (goal >= 3)", cached, naive, ".2f"),
        (f"{ours} / {ceiling}", ours, ceiling, ".3f"),
        (f"{cached} / {ceiling}", cached, ceiling, ".3f"),
        (f"{ours_deep} / {ours} (goal ~ 1)", ours_deep, ours, ".2f"),
        (f"{cached_deep} / {cached} (goal ~ 1)", cached_deep, cached, ".2f"),
    )
    lines = [
        *report.context,
        "",
        *result_table(report, labels, rounds),
        "",
        *ratio_table(report, ratios),
        "",
        f"SQL statements per request ({ours}, nested query): first: {small} ->"
        f" {report.statements[small]}, first: {large} -> {report.statements[large]}",
        *memory_lines(report),
    ]
    if report.problems:
        lines += ["", "PROBLEMS:", *(f"  {problem}" for problem in report.problems)]
    return "\n".join(lines) + "\n"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _wrk_version(wrk: Path) -> str:
    done = subprocess.run([str(wrk), "-v"], capture_output=True, text=True)
    return (done.stdout or done.stderr).split("[")[0].strip() or "wrk"


def code_version() -> str:
    """The start time and the server code's commit (marked when gql_server/ has changes)."""
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = (
        " with uncommitted changes in gql_server/"
        if _git("status", "--porcelain", "--", "gql_server")
        else ""
    )
    return f"{started}, commit {commit}{dirty}"


def describe_run(
    wrk: Path, version: str, lab: Path, deep_after: int, args: argparse.Namespace
) -> list[str]:
    """Header lines: when, on what, with which versions and settings."""
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "sqlalchemy")
    )
    return [
        f"gql-server GraphQL benchmark started {version}",
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}; {versions}; {_wrk_version(wrk)}",
        f"lab: {args.jobs:,} jobs in SQLite ({lab.relative_to(ROOT)});"
        f" deep page = after job id {deep_after:,} ({DEEP_FRACTION:.0%} down the list)",
        f"load: {args.duration} s per run, {args.rounds} round(s) with the targets interleaved,"
        f" after a {args.warmup} s warm-up; c1 = wrk -t1 -c1, c16 = wrk -t2 -c16; loopback",
        "gql-server runs twice: with its defaults (result cache on), and with"
        " GQL_SERVER_RESULT_CACHE_SECONDS=0 (no cache: every request runs the query)",
        f"query (anonymous): {jobs_query(PAGE_SIZE)}",
    ]


def write_results(text: str, name: str = "graphql") -> Path:
    """Write the report to bench/results/<name>-<date>.txt (atomically)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{dt.date.today().isoformat()}.txt"
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    partial.rename(path)
    return path


def report(
    benchmark: Callable[[Children, argparse.Namespace], str],
    args: argparse.Namespace,
    name: str = "graphql",
) -> int:
    """Run ``benchmark`` with ``args``, print its report and write it to
    bench/results/<name>-<date>.txt; the exit status (130 when interrupted)."""
    try:
        with Children() as children:
            text = benchmark(children, args)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    print()
    print(text, end="")
    print(f"\nwritten to {write_results(text, name).relative_to(ROOT)}")
    return 0


def run_load_benchmark(
    name: str,
    description: str,
    benchmark: Callable[[Children, argparse.Namespace], str],
    argv: Sequence[str] | None = None,
) -> int:
    """Parse the load options (--jobs, --duration, --warmup, --rounds), run ``benchmark``
    with them, print its report and write it to bench/results/<name>-<date>.txt; the exit
    status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    with Children() as children:
        text = benchmark(children, args)
    print(text, end="")
    print(f"written to {write_results(text, name).relative_to(ROOT)}")
    return 0


# --- the run -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs in the demo lab")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per target")
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs per target (interleaved); the median is shown"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also sample gql-server with py-spy under c16 load"
    )
    args = parser.parse_args(argv)
    if args.jobs < PAGE_SIZE * 4 or min(args.duration, args.warmup, args.rounds) < 1:
        parser.error(f"need --jobs >= {PAGE_SIZE * 4} and positive --duration, --warmup, --rounds")
    return args


def write_request(name: str, body: bytes) -> Path:
    """Save a request body for wrk."""
    path = CACHE / f"{name}-request.json"
    path.write_bytes(body)
    return path


def start_ours(
    children: Children, gql_server: Path, lab: Path, name: str, **settings: str
) -> Server:
    """Start gql-server on the lab with SQL statement counting and the given settings."""
    serve = [str(gql_server), "--database-url", sqlite_url(lab), "serve", "--quiet"]
    return start_server(children, name, serve, "/version", expose_sql_statements="true", **settings)


def start_baselines(
    children: Children, lab: Path, job_ids: Sequence[int], response: Path
) -> tuple[Server, Server]:
    """The naive strawberry app serving ``job_ids`` and the ceiling answering ``response``."""
    naive_argv = [
        sys.executable, str(BENCH / "naive_strawberry.py"), "--database", str(lab),
        "--job-ids", ",".join(map(str, job_ids)),
    ]  # fmt: skip
    ceiling_argv = [sys.executable, str(BENCH / "ceiling_starlette.py"), "--body", str(response)]
    return (
        start_server(children, "naive strawberry", naive_argv, "/"),
        start_server(children, "ceiling (Starlette)", ceiling_argv, "/graphql"),
    )


def benchmark(children: Children, args: argparse.Namespace) -> str:
    """Prepare, start, verify, load and measure; the report text."""
    wrk = find_command("wrk", "apt-get install wrk")
    gql_server = find_command("gql-server", "run from the project's venv (pip install -e .)")
    version = code_version()
    CACHE.mkdir(exist_ok=True)
    lab = prepare_lab(gql_server, args.jobs)
    cached = start_ours(children, gql_server, lab, "gql-server")
    ours = start_ours(children, gql_server, lab, "gql-server (no cache)", result_cache_seconds="0")

    page_body = request_body(jobs_query(PAGE_SIZE))
    deep_after = newest_job_id(lab) - int(args.jobs * DEEP_FRACTION) + 1
    deep_body = request_body(jobs_query(PAGE_SIZE, encode_cursor([deep_after])))
    page_raw, _headers = post(ours.graphql_url, page_body)
    deep_raw, _headers = post(ours.graphql_url, deep_body)
    job_ids = [node["id"] for raw in (page_raw, deep_raw) for node in job_nodes(raw, ours.name)]
    response = CACHE / "page-response.json"
    response.write_bytes(page_raw)
    naive, ceiling = start_baselines(children, lab, job_ids, response)

    problems: list[str] = []
    for server in (cached, naive):
        check_same_data(server, page_body, page_raw, problems)
        check_same_data(server, deep_body, deep_raw, problems)
    check_same_data(ceiling, page_body, page_raw, problems)
    statements = {size: statements_per_request(ours, size) for size in STATEMENT_PAGE_SIZES}
    idle = {server.name: memory(server.process.pid) for server in (cached, ours)}

    page_file, deep_file = write_request("page", page_body), write_request("deep", deep_body)
    targets = (
        Target("gql-server", cached, page_file),
        Target("gql-server, deep page", cached, deep_file),
        Target("gql-server no cache", ours, page_file),
        Target("gql-server no cache, deep page", ours, deep_file),
        Target("naive strawberry", naive, page_file),
        Target("ceiling (Starlette)", ceiling, page_file),
    )
    runs = load_all(wrk, targets, args, problems)
    report = Report(
        context=describe_run(wrk, version, lab, deep_after, args),
        runs=runs,
        statements=statements,
        memory={s.name: (idle[s.name], memory(s.process.pid)) for s in (cached, ours)},
        problems=problems,
    )
    text = render(report, [target.label for target in targets], args.rounds)
    if args.profile:
        for target in (targets[2], targets[0]):
            text += "\n" + "\n".join(profile(wrk, target, args.duration)) + "\n"
    return text


def _terminated(_signal: int, _frame: object) -> None:
    raise SystemExit(143)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    return report(benchmark, args)


if __name__ == "__main__":
    sys.exit(main())
