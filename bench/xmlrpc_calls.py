"""XML-RPC benchmark: LAVA's busiest legacy calls on gql-server, next to the GraphQL query
for the same data and a plain Starlette ceiling answering the same bytes from memory.

On the cached demo lab (see bench/run.py), gql-server with its defaults, and again with
its result cache off (every call runs its resolvers), is loaded by wrk at concurrency 1
and 16 with calls made with an ordinary user's token: scheduler.jobs.list (50 jobs),
scheduler.jobs.show and results.get_testjob_results_yaml (a job of about 100 test cases),
then with GraphQL queries returning the same fields, then the ceiling. It prints
calls per second and latencies, the ratios against real LAVA 2023.01's figures (50.9, 49.8
and 11.9 calls/s at concurrency 16 on a 2-core machine) and against the ceiling, and how
many methods of LAVA's catalogue the server implements; the report is also written to
``bench/results/xmlrpc-<date>.txt``.

    .venv/bin/python bench/xmlrpc_calls.py [--jobs 100000] [--duration 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xmlrpc.client
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    BENCH,
    CACHE,
    LOADS,
    Children,
    Target,
    code_version,
    find_command,
    load_all,
    post,
    prepare_lab,
    read_only,
    request_body,
    run_load_benchmark,
    server_env,
    sqlite_url,
    start_ours,
    start_server,
)

LAVA_C16 = {"jobs.list": 50.9, "jobs.show": 49.8, "results yaml": 11.9}
GOAL_FACTOR = 25
CATALOGUE_ON_MASTER = 134  # LAVA master's system.listMethods (spec: 104 + 31 - 1)
XML = "application/xml"


def case_job(lab: Path, cases: int = 100) -> int:
    """A finished job whose number of test cases is closest to ``cases``."""
    with read_only(lab) as db:
        row = db.execute(
            "SELECT s.job_id, count(*) AS n FROM lava_results_app_testcase c"
            " JOIN lava_results_app_testsuite s ON s.id = c.suite_id"
            " GROUP BY s.job_id ORDER BY abs(count(*) - ?) LIMIT 1",
            (cases,),
        ).fetchone()
    if row is None:
        raise RuntimeError("the lab has no test results")
    return row[0]


def public_finished_job(lab: Path) -> int:
    """A public finished job, for scheduler.jobs.show."""
    with read_only(lab) as db:
        return db.execute(
            "SELECT max(id) FROM lava_scheduler_app_testjob WHERE state = 5 AND is_public"
        ).fetchone()[0]


def xml_call(method: str, *params: object) -> bytes:
    """An XML-RPC request body."""
    return xmlrpc.client.dumps(params, method, allow_none=True).encode()


def graphql_queries(show_id: int, results_id: int) -> dict[str, str]:
    """GraphQL queries returning the fields each XML-RPC call returns."""
    list_fields = "id description requestedDeviceType { name } health state submitter { username }"
    show_fields = (
        "id description device { hostname } requestedDeviceType { name } healthCheck health"
        " state submitter { username } submitTime startTime endTime tags { name } isPublic"
        " failureComment"
    )
    case_fields = "id name result measurement units logged startLogLine endLogLine metadata"
    return {
        "jobs.list": f"{{ jobs(first: 50) {{ nodes {{ {list_fields} }} }} }}",
        "jobs.show": f"{{ job(id: {show_id}) {{ {show_fields} }} }}",
        "results yaml": (
            f"{{ job(id: {results_id}) {{ id suites {{ name testCases(first: 100) {{ nodes {{"
            f" {case_fields} }} }} }} }} }}"
        ),
    }


def write(name: str, body: bytes) -> Path:
    """Save a request body for wrk."""
    path = CACHE / f"xmlrpc-{name.replace(' ', '-').replace('.', '-')}.body"
    path.write_bytes(body)
    return path


def bench_token(gql_server: Path, lab: Path) -> str:
    """A new token of the lab's ``bench`` user (results.* need authentication)."""
    argv = [str(gql_server), "--database-url", sqlite_url(lab), "tokens", "add", "--user", "bench"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=server_env())
    return done.stdout.strip().splitlines()[-1]


def check_graphql(url: str, body: bytes, authorization: str, problems: list[str]) -> None:
    """Record a problem when the GraphQL query answers with errors."""
    raw, _ = post(url, body, authorization)
    if json.loads(raw).get("errors"):
        problems.append(f"GraphQL query failed: {raw[:300]!r}")


def benchmark(children: Children, args: argparse.Namespace) -> str:
    """Prepare, start, check, load; the report."""
    wrk = find_command("wrk", "apt-get install wrk")
    gql_server = find_command("gql-server", "run from the project's venv (pip install -e .)")
    CACHE.mkdir(exist_ok=True)
    lab = prepare_lab(gql_server, args.jobs)
    ours = start_ours(children, gql_server, lab, "gql-server")
    uncached = start_ours(
        children, gql_server, lab, "gql-server (no cache)", result_cache_seconds="0"
    )
    rpc = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{ours.port}/RPC2", allow_none=True)
    show_id, results_id = public_finished_job(lab), case_job(lab)
    calls = {
        "jobs.list": xml_call("scheduler.jobs.list", None, None, 0, 50),
        "jobs.show": xml_call("scheduler.jobs.show", show_id),
        "results yaml": xml_call("results.get_testjob_results_yaml", results_id),
    }
    problems: list[str] = []
    implemented = rpc.system.listMethods()
    authorization = f"Token {bench_token(gql_server, lab)}"
    for body in calls.values():  # each answers, without a fault (which would raise here)
        xmlrpc.client.loads(post(f"http://127.0.0.1:{ours.port}/RPC2", body, authorization)[0])
    list_answer = post(f"http://127.0.0.1:{ours.port}/RPC2", calls["jobs.list"], authorization)[0]
    ceiling_body = CACHE / "xmlrpc-jobs-list-response.xml"
    ceiling_body.write_bytes(list_answer)
    ceiling_argv = [
        sys.executable, str(BENCH / "ceiling_starlette.py"), "--body", str(ceiling_body),
        "--path", "/RPC2", "--media-type", XML,
    ]  # fmt: skip
    ceiling = start_server(children, "ceiling (Starlette)", ceiling_argv, "/version")
    queries = graphql_queries(show_id, results_id)
    targets = []
    for name, body in calls.items():
        request = write(name, body)
        targets.append(Target(f"xmlrpc {name}", ours, request, "/RPC2", authorization))
        targets.append(
            Target(f"xmlrpc {name}, no cache", uncached, request, "/RPC2", authorization)
        )
        graphql_body = request_body(queries[name])
        check_graphql(ours.graphql_url, graphql_body, authorization, problems)
        graphql_request = write(f"gql-{name}", graphql_body)
        targets.append(
            Target(f"graphql {name}", ours, graphql_request, authorization=authorization)
        )
    targets.append(
        Target("ceiling jobs.list body", ceiling, write("jobs.list", calls["jobs.list"]), "/RPC2")
    )
    runs = load_all(wrk, targets, args, problems)
    return render(runs, targets, len(implemented), len(list_answer), code_version(), problems)


def render(
    runs,
    targets: Sequence[Target],
    implemented: int,
    list_bytes: int,
    version: str,
    problems: list[str],
) -> str:
    """The report text."""
    lines = [
        f"gql-server XML-RPC benchmark started {version}",
        f"scheduler.jobs.list(50) answer: {list_bytes:,} bytes; calls made with an ordinary"
        " user's token",
        "",
        f"{'target':<30} "
        + "  ".join(f"{label} calls/s   p50 ms   p99 ms" for label, _, _ in LOADS),
    ]
    for target in targets:
        cells = []
        for label, _threads, _connections in LOADS:
            result = runs[target.label, label][0]
            cells.append(
                f"{result.requests_per_second:>12.1f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f}"
            )
        lines.append(f"{target.label:<30} " + "  ".join(cells))
    lines.append("")
    ceiling = runs["ceiling jobs.list body", "c16"][0].requests_per_second
    for name, lava in LAVA_C16.items():
        for variant in ("", ", no cache"):
            if (f"xmlrpc {name}{variant}", "c16") not in runs:
                continue
            ours = runs[f"xmlrpc {name}{variant}", "c16"][0].requests_per_second
            lines.append(
                f"{name}{variant}: {ours / lava:.1f}x LAVA 2023.01's {lava} calls/s at c16"
                f" (goal {GOAL_FACTOR}x), {ours / ceiling:.2f} of the ceiling"
            )
    lines.append(f"methods implemented: {implemented} of LAVA master's {CATALOGUE_ON_MASTER}")
    lines += [f"problem: {problem}" for problem in problems]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status."""
    return run_load_benchmark("xmlrpc", __doc__.splitlines()[0], benchmark, argv)


if __name__ == "__main__":
    sys.exit(main())
