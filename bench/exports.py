"""Export benchmark: a job of 1,000,000 test cases downloaded as CSV and JUnit over HTTP.

One command builds (or reuses, under bench/.cache/) a small demo lab plus one public job
of a million test cases, starts gql-server on it, and downloads ``jobs/<id>/csv/`` and
``jobs/<id>/junit/`` from the REST door, reading as fast as it can. For each it reports
rows per second, the time to the first body byte and the server's resident memory
(sampled VmRSS during the download, and VmHWM, the process's peak). Two baselines run in
the same session: Python's csv writer over the same million rows already in memory, and a
plain Starlette app streaming the same number of bytes (what HTTP alone costs here). The
report, with the ratios and the targets (200,000 rows/s, 150 MB), is also written to
``bench/results/exports-<date>.txt``.

    .venv/bin/python bench/exports.py [--cases 1000000] [--rounds 1] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import http.client
import io
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    CACHE,
    HOST,
    ROOT,
    Children,
    Server,
    code_version,
    find_command,
    memory,
    read_only,
    remove_database,
    report,
    server_env,
    sqlite_url,
    start_ours,
    start_server,
    summarize_profile,
)
from gql_server.exports.csv_layouts import CASE_COLUMNS

DEMO_JOBS = 200
BIG_JOB = "bench-exports"
ROWS_TARGET = 200_000
RSS_TARGET_MIB = 150
READ_SIZE = 1 << 16
SAMPLE_SECONDS = 0.05
STARTED = dt.datetime(2026, 11, 28, 6, 20, 54, 183988)
CEILING_PATH = "/stream"
CSV_ROW = b"\r\n"
JUNIT_ROW = b"<testcase "


# --- the lab ---------------------------------------------------------------------------------


def _case_rows(suite_id: int, first: int, count: int) -> Iterator[tuple]:
    """Test cases as a test shell records them: a name, a result, a few metadata keys,
    a measurement and a log range on some."""
    for n in range(first, first + count):
        result = 0 if n % 10 else 1 + n % 3  # mostly passes
        measured = n % 7 == 0
        outcome = ("pass", "fail", "skip", "unknown")[result]
        metadata = f"case: case-{n}\ndefinition: 1_bench\nresult: {outcome}\n"
        logged = STARTED + dt.timedelta(milliseconds=3 * n)
        yield (
            f"case-{n}",
            "ms" if measured else "",
            result,
            f"{n % 1000}.{n % 97:02}" if measured else None,
            metadata,
            suite_id,
            n if n % 5 == 0 else None,
            n + 1 if n % 5 == 0 else None,
            logged.isoformat(" "),
        )


def _add_big_job(path: Path, cases: int) -> None:
    """One public finished job with a ``lava`` suite and a suite of ``cases`` cases."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        template = db.execute(
            "SELECT * FROM lava_scheduler_app_testjob"
            " WHERE state = 5 AND actual_device_id IS NOT NULL LIMIT 1"
        ).fetchone()
        values = {
            **dict(template), "id": None, "description": BIG_JOB, "is_public": 1,
            "sub_id": "", "target_group": None, "health": 1, "token": "",
            "end_time": STARTED.isoformat(" "),
        }  # fmt: skip
        placeholders = ", ".join("?" for _ in values)
        job_id = db.execute(
            f"INSERT INTO lava_scheduler_app_testjob ({', '.join(values)}) VALUES ({placeholders})",
            list(values.values()),
        ).lastrowid
        insert_suite = "INSERT INTO lava_results_app_testsuite (job_id, name) VALUES (?, ?)"
        lava = db.execute(insert_suite, (job_id, "lava")).lastrowid
        bench = db.execute(insert_suite, (job_id, "1_bench")).lastrowid
        insert_case = (
            "INSERT INTO lava_results_app_testcase (name, units, result, measurement, metadata,"
            " suite_id, start_log_line, end_log_line, logged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        db.executemany(insert_case, _case_rows(lava, 0, 10))
        db.executemany(insert_case, _case_rows(bench, 10, cases - 10))
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def big_job(path: Path) -> tuple[int, int] | None:
    """The big job's id and its number of cases, if the lab holds it."""
    try:
        with read_only(path) as db:
            row = db.execute(
                "SELECT j.id, count(c.id) FROM lava_scheduler_app_testjob j"
                " JOIN lava_results_app_testsuite s ON s.job_id = j.id"
                " JOIN lava_results_app_testcase c ON c.suite_id = s.id"
                " WHERE j.description = ? GROUP BY j.id",
                (BIG_JOB,),
            ).fetchone()
    except sqlite3.Error:
        return None
    return (row[0], row[1]) if row else None


def prepare_lab(gql_server: Path, cases: int) -> tuple[Path, int]:
    """The cached lab with its big job of ``cases`` cases (built when missing); its job id."""
    path = CACHE / f"exports-lab-{cases}.sqlite3"
    found = big_job(path)
    if found is not None and found[1] == cases:
        print(f"lab: reusing {path.relative_to(ROOT)}")
        return path, found[0]
    partial = path.with_name(path.name + ".part")
    remove_database(path)
    remove_database(partial)
    print(f"lab: generating {DEMO_JOBS} demo jobs and one of {cases:,} test cases")
    argv = [str(gql_server), "--database-url", sqlite_url(partial), "demo"]
    argv += ["--jobs", str(DEMO_JOBS)]
    subprocess.run(argv, cwd=ROOT, env=server_env(), check=True)
    _add_big_job(partial, cases)
    partial.rename(path)
    remove_database(partial)
    found = big_job(path)
    if found is None or found[1] != cases:
        raise RuntimeError(f"{path} does not hold the big job after generation")
    return path, found[0]


# --- measuring a download --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Download:
    """One download: how long it took, how soon it started, what it held, what it cost."""

    label: str
    seconds: float
    first_byte_seconds: float
    bytes: int
    rows: int
    peak_rss_mib: float  # sampled during the download
    idle_rss_mib: float
    hwm_mib: float  # the process's peak so far, from VmHWM

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


class RssSampler:
    """Samples a process's VmRSS in a thread until stopped; keeps the highest."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = memory(pid).rss_mib
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, memory(self.pid).rss_mib)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, memory(self.pid).rss_mib)


def download(
    label: str, server: Server, path: str, marker: bytes, pid: int | None = None
) -> Download:
    """GET ``path`` and read the body to its end as fast as possible; its rows are the
    occurrences of ``marker`` (counted as the pieces arrive)."""
    pid = pid or server.process.pid
    idle = memory(pid).rss_mib
    connection = http.client.HTTPConnection(HOST, server.port, timeout=600)
    with RssSampler(pid) as sampler:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{label}: HTTP {response.status} {response.read(300)!r}")
        chunk = response.read1(READ_SIZE)
        first_byte = time.perf_counter() - started
        size, rows, tail = 0, 0, b""
        while chunk:
            size += len(chunk)
            joined = tail + chunk
            rows += joined.count(marker)
            tail = joined[1 - len(marker) :]
            chunk = response.read1(READ_SIZE)
        elapsed = time.perf_counter() - started
    connection.close()
    return Download(
        label, elapsed, first_byte, size, rows, sampler.peak, idle, memory(pid).peak_mib
    )


# --- baselines -------------------------------------------------------------------------------


def csv_writer_baseline(rows: int) -> tuple[float, int]:
    """Rows per second of Python's csv writer (every field quoted) over ``rows`` rows of
    the export's 15 columns already held in memory, and the bytes it wrote."""
    records = [
        ("1", "1_bench", "pass", "None", "", "", "", "2026-11-28 06:20:54.183988+00:00", "",
         f"{{'case': 'case-{n}', 'definition': '1_bench', 'result': 'pass'}}",
         f"/results/testcase/{n}", f"case-{n}", str(n), "", "")
        for n in range(rows)
    ]  # fmt: skip
    buffer = io.StringIO()
    started = time.perf_counter()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CASE_COLUMNS)
    writer.writerows(records)
    elapsed = time.perf_counter() - started
    return rows / elapsed, len(buffer.getvalue().encode())


def ceiling_app(total: int) -> Starlette:
    """A plain Starlette app streaming ``total`` bytes in 64 KiB chunks on GET /stream."""
    block = (b"x" * 255 + b"\n") * (READ_SIZE // 256)

    async def chunks() -> AsyncIterator[bytes]:
        left = total
        while left > 0:
            yield block[:left]
            left -= len(block)

    async def stream(_request: Request) -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="application/csv")

    return Starlette(routes=[Route(CEILING_PATH, stream)])


def serve_ceiling(total: int, port: int) -> None:
    """Run the ceiling app (the ``--serve-ceiling`` mode of this script)."""
    uvicorn.run(ceiling_app(total), host=HOST, port=port, log_level="warning")


# --- the run ---------------------------------------------------------------------------------


def profile(server: Server, path: str, seconds: int) -> list[str]:
    """py-spy samples of the server (GIL holder) while it exports ``path``; a summary."""
    py_spy = find_command("py-spy", "install it with .venv/bin/pip install py-spy")
    output = CACHE / f"profile-exports-{dt.date.today().isoformat()}.txt"
    sampler = subprocess.Popen(
        [str(py_spy), "record", "--pid", str(server.process.pid), "--gil", "--format", "raw",
         "--rate", "200", "--duration", str(seconds), "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1)
        while sampler.poll() is None:
            download("profiled", server, path, CSV_ROW)
    finally:
        sampler.wait()
    return summarize_profile(output, f"gql-server exporting {path} (one download)")


def describe(version: str, lab: Path, job_id: int, cases: int, rounds: int) -> list[str]:
    """Header lines: when, on what, with which versions."""
    return [
        f"gql-server export benchmark started {version}",
        f"machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}",
        f"lab: SQLite ({lab.relative_to(ROOT)}), job {job_id} with {cases:,} test cases"
        f" (plus {DEMO_JOBS} demo jobs); anonymous downloads over loopback, read in 64 KiB"
        f" pieces; {rounds} round(s), the fastest shown",
        f"targets: >= {ROWS_TARGET:,} rows/s, peak RSS < {RSS_TARGET_MIB} MB",
    ]


def table(downloads: Sequence[Download]) -> list[str]:
    """One line per download."""
    lines = [
        f"{'download':<34}{'rows/s':>10}{'MB/s':>8}{'TTFB ms':>9}{'total s':>9}"
        f"{'MiB':>8}{'RSS idle':>10}{'RSS peak':>10}{'VmHWM':>8}"
    ]
    for d in downloads:
        lines.append(
            f"{d.label:<34}{d.rows_per_second:>10,.0f}{d.bytes / d.seconds / 1e6:>8.1f}"
            f"{d.first_byte_seconds * 1000:>9.1f}{d.seconds:>9.2f}{d.bytes / 2**20:>8.1f}"
            f"{d.idle_rss_mib:>10.1f}{d.peak_rss_mib:>10.1f}{d.hwm_mib:>8.1f}"
        )
    return lines


def verdict(d: Download) -> str:
    """Whether a download met the targets."""
    speed = "met" if d.rows_per_second >= ROWS_TARGET else "MISSED"
    rss = "met" if d.peak_rss_mib < RSS_TARGET_MIB else "MISSED"
    return (
        f"{d.label}: {d.rows_per_second:,.0f} rows/s (target {speed}),"
        f" peak RSS {d.peak_rss_mib:.1f} MiB (target {rss})"
    )


def fastest(runs: Sequence[Download]) -> Download:
    """The quickest of several rounds of the same download."""
    return min(runs, key=lambda d: d.seconds)


def benchmark(children: Children, args: argparse.Namespace) -> str:
    """Prepare, start, check, download and measure; the report text."""
    gql_server = find_command("gql-server", "run from the project's venv (pip install -e .)")
    version = code_version()
    CACHE.mkdir(exist_ok=True)
    lab, job_id = prepare_lab(gql_server, args.cases)
    ours = start_ours(children, gql_server, lab, "gql-server")
    csv_path, junit_path = f"/api/v0.2/jobs/{job_id}/csv/", f"/api/v0.2/jobs/{job_id}/junit/"

    # The machine may be shared: the csv writer runs just before and just after the
    # downloads, and the ratios compare with the mean of the two.
    writer_before, writer_bytes = csv_writer_baseline(args.cases)
    csv_runs, junit_runs = [], []
    for _ in range(args.rounds):
        csv_runs.append(download("gql-server jobs/<id>/csv/", ours, csv_path, CSV_ROW))
        junit_runs.append(download("gql-server jobs/<id>/junit/", ours, junit_path, JUNIT_ROW))
    writer_after, _ = csv_writer_baseline(args.cases)
    writer_rows = (writer_before + writer_after) / 2
    ours_csv, ours_junit = fastest(csv_runs), fastest(junit_runs)
    problems = []
    if ours_csv.rows != args.cases + 1:  # the header is a line too
        problems.append(f"the CSV holds {ours_csv.rows - 1:,} rows, not {args.cases:,}")
    if ours_junit.rows != args.cases:
        problems.append(f"the JUnit holds {ours_junit.rows:,} test cases, not {args.cases:,}")

    port_argv = [sys.executable, __file__, "--serve-ceiling", str(ours_csv.bytes)]
    ceiling = start_server(children, "ceiling (Starlette)", port_argv, CEILING_PATH)
    ceiling_run = fastest(
        [
            download("Starlette streaming same bytes", ceiling, CEILING_PATH, CSV_ROW)
            for _ in range(args.rounds)
        ]
    )
    ceiling_run = dataclasses.replace(ceiling_run, rows=ours_csv.rows)  # as many rows' bytes

    lines = [
        *describe(version, lab, job_id, args.cases, args.rounds),
        "",
        *table([ours_csv, ours_junit, ceiling_run]),
        "",
        f"baseline, Python csv writer over {args.cases:,} rows in memory (no database, no HTTP):"
        f" {writer_before:,.0f} rows/s before the downloads, {writer_after:,.0f} after"
        f" ({writer_bytes / 2**20:.1f} MiB)",
        "ratios:",
        f"  CSV export / csv writer in memory (mean): {ours_csv.rows_per_second / writer_rows:.2f}",
        f"  JUnit export / csv writer in memory (mean): "
        f"{ours_junit.rows_per_second / writer_rows:.2f}",
        "  CSV export / Starlette streaming the same bytes:"
        f" {ours_csv.rows_per_second / ceiling_run.rows_per_second:.3f}",
        f"  JUnit export / CSV export:               "
        f"{ours_junit.rows_per_second / ours_csv.rows_per_second:.2f}",
        "",
        verdict(ours_csv),
        verdict(ours_junit),
    ]
    if problems:
        lines += ["", "PROBLEMS:", *(f"  {problem}" for problem in problems)]
    text = "\n".join(lines) + "\n"
    if args.profile:
        text += "\n" + "\n".join(profile(ours, csv_path, 20)) + "\n"
    return text


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="test cases of the job")
    parser.add_argument("--rounds", type=int, default=1, help="downloads of each; fastest shown")
    parser.add_argument("--profile", action="store_true", help="also sample the CSV export")
    parser.add_argument("--serve-ceiling", type=int, metavar="BYTES", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cases < 100 or args.rounds < 1:
        parser.error("need --cases >= 100 and --rounds >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with --serve-ceiling, serve the baseline); the exit status."""
    args = parse_args(argv)
    if args.serve_ceiling is not None:
        serve_ceiling(args.serve_ceiling, args.port)
        return 0
    return report(benchmark, args, "exports")


if __name__ == "__main__":
    sys.exit(main())
