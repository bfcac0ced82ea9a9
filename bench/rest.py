"""REST benchmark: LAVA's two busiest REST reads on gql-server, next to the GraphQL query
for the same data and a plain Starlette ceiling answering the same bytes from memory.

On the cached demo lab (see bench/run.py), gql-server with its defaults, and again with
its answer cache off (every request runs its resolvers), is loaded by wrk at concurrency
1 and 16 with an ordinary user's token: ``GET /api/v0.2/jobs/?limit=50`` and
``GET /api/v0.2/jobs/<id>/tests/`` (a job of about 100 test cases: its first page of 50),
then with GraphQL queries returning the same fields, then the ceiling (Starlette under
one uvicorn process, GET answering our own 50-job body). It prints requests per second
and latencies, the ratios against real LAVA 2023.01's figures (12.8 and 20.0 requests/s
at concurrency 16 on a 2-core machine) and against the ceiling, and SQL statements per
request at two page sizes; the report is also written to ``bench/results/rest-<date>.txt``.

    .venv/bin/python bench/rest.py [--jobs 100000] [--duration 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    BENCH,
    CACHE,
    HOST,
    LOADS,
    Children,
    Server,
    Target,
    WrkResult,
    code_version,
    find_command,
    load_all,
    post,
    prepare_lab,
    read_only,
    request_body,
    run_load_benchmark,
    start_ours,
    start_server,
)
from bench.xmlrpc_calls import bench_token, check_graphql

LAVA_C16 = {"jobs/?limit=50": 12.8, "jobs/ID/tests/": 20.0}
LAVA_C1_MEDIAN_MS = {"jobs/?limit=50": 121.0, "jobs/ID/tests/": 80.0}
GOAL_FACTOR = 25
JOB_FIELDS = (
    "id submitter { username } description healthCheck requestedDeviceType { name }"
    " tags { id } device { hostname } submitTime startTime endTime state health priority"
    " definition metadata originalDefinition multinodeDefinition failureComment"
)
CASE_FIELDS = (
    "id result units name measurement metadata startLogLine endLogLine logged"
    " suite { id } testSet { id }"
)


def get(url: str, authorization: str) -> tuple[bytes, dict[str, str]]:
    """A GET answer and its headers."""
    request = urllib.request.Request(url, headers={"Authorization": authorization})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read(), dict(response.headers)


def visible_case_job(lab: Path, base: str, authorization: str, cases: int = 100) -> int:
    """A job the caller may see whose number of test cases is closest to ``cases``."""
    with read_only(lab) as db:
        candidates = db.execute(
            "SELECT s.job_id FROM lava_results_app_testcase c"
            " JOIN lava_results_app_testsuite s ON s.id = c.suite_id"
            " GROUP BY s.job_id ORDER BY abs(count(*) - ?) LIMIT 50",
            (cases,),
        ).fetchall()
    for (job_id,) in candidates:
        try:
            get(f"{base}/api/v0.2/jobs/{job_id}/", authorization)
        except urllib.error.HTTPError:
            continue
        return job_id
    raise RuntimeError("no visible job with test results")


def graphql_queries(job_id: int) -> dict[str, str]:
    """GraphQL queries for the data each REST route returns."""
    return {
        "jobs/?limit=50": f"{{ jobs(first: 50) {{ totalCount nodes {{ {JOB_FIELDS} }} }} }}",
        "jobs/ID/tests/": (
            f"{{ job(id: {job_id}) {{ testCases(first: 50) {{ totalCount"
            f" nodes {{ {CASE_FIELDS} }} }} }} }}"
        ),
    }


def statements(server: Server, path: str, authorization: str) -> int:
    """SQL statements one uncached request runs (after a warm-up of the viewer's grants)."""
    get(f"http://{HOST}:{server.port}{path}", authorization)
    return int(get(f"http://{HOST}:{server.port}{path}", authorization)[1]["x-sql-statements"])


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
    authorization = f"Token {bench_token(gql_server, lab)}"
    base = f"http://{HOST}:{ours.port}"
    job_id = visible_case_job(lab, base, authorization)
    paths = {
        "jobs/?limit=50": "/api/v0.2/jobs/?limit=50",
        "jobs/ID/tests/": f"/api/v0.2/jobs/{job_id}/tests/",
    }
    problems: list[str] = []
    answers = {name: get(base + path, authorization)[0] for name, path in paths.items()}
    for name, raw in answers.items():
        if not json.loads(raw)["results"]:
            problems.append(f"{name} answered no results")
    cases = json.loads(answers["jobs/ID/tests/"])["count"]
    ceiling_body = CACHE / "rest-jobs-response.json"
    ceiling_body.write_bytes(answers["jobs/?limit=50"])
    ceiling_argv = [
        sys.executable, str(BENCH / "ceiling_starlette.py"), "--body", str(ceiling_body),
        "--path", "/api/v0.2/jobs/", "--method", "GET",
    ]  # fmt: skip
    ceiling = start_server(children, "ceiling (Starlette)", ceiling_argv, "/version")
    queries = graphql_queries(job_id)
    targets = []
    for name, path in paths.items():
        targets.append(Target(f"rest {name}", ours, None, path, authorization))
        targets.append(Target(f"rest {name}, no cache", uncached, None, path, authorization))
        graphql_body = request_body(queries[name])
        check_graphql(ours.graphql_url, graphql_body, authorization, problems)
        graphql_request = CACHE / f"rest-gql-{name.replace('/', '-').replace('?', '')}.json"
        graphql_request.write_bytes(graphql_body)
        targets.append(
            Target(f"graphql {name}", ours, graphql_request, authorization=authorization)
        )
        targets.append(
            Target(
                f"graphql {name}, no cache", uncached, graphql_request, authorization=authorization
            )
        )
    targets.append(Target("ceiling jobs/ body", ceiling, None, "/api/v0.2/jobs/?limit=50"))
    counts = {
        size: statements(uncached, f"/api/v0.2/jobs/?limit={size}", authorization)
        for size in (10, 100)
    }
    post(ours.graphql_url, request_body("{ viewer { username } }"), authorization)
    runs = load_all(wrk, targets, args, problems)
    sizes = (len(answers["jobs/?limit=50"]), job_id, cases)
    return render(runs, targets, sizes, counts, code_version(), problems)


def render(
    runs: dict[tuple[str, str], list[WrkResult]],
    targets: Sequence[Target],
    sizes: tuple[int, int, int],
    counts: dict[int, int],
    version: str,
    problems: list[str],
) -> str:
    """The report text."""
    list_bytes, job_id, cases = sizes
    lines = [
        f"gql-server REST benchmark started {version}",
        f"GET jobs/?limit=50 answer: {list_bytes:,} bytes; jobs/ID/tests/ of job {job_id}"
        f" ({cases} test cases, first page); requests made with an ordinary user's token",
        "",
        f"{'target':<34} " + "  ".join(f"{label} req/s   p50 ms   p99 ms" for label, _, _ in LOADS),
    ]
    for target in targets:
        cells = []
        for label, _threads, _connections in LOADS:
            result = runs[target.label, label][0]
            cells.append(
                f"{result.requests_per_second:>10.1f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f}"
            )
        lines.append(f"{target.label:<34} " + "  ".join(cells))
    lines.append("")
    ceiling = runs["ceiling jobs/ body", "c16"][0].requests_per_second
    lines.append(
        f"ceiling (Starlette, the same jobs/ body from memory): {ceiling:.1f} req/s at c16"
    )
    for name, lava in LAVA_C16.items():
        for variant in ("", ", no cache"):
            ours = runs[f"rest {name}{variant}", "c16"][0].requests_per_second
            median = runs[f"rest {name}{variant}", "c1"][0].p50_ms
            lines.append(
                f"{name}{variant}: {ours / lava:.1f}x LAVA 2023.01's {lava} req/s at c16"
                f" (goal {GOAL_FACTOR}x), {ours / ceiling:.2f} of the ceiling (goal 0.5);"
                f" c1 median {median:.1f} ms (LAVA {LAVA_C1_MEDIAN_MS[name]:.0f} ms)"
            )
    lines.append(
        "SQL statements per uncached jobs/ page: "
        + ", ".join(f"limit={size}: {count}" for size, count in counts.items())
    )
    lines += [f"problem: {problem}" for problem in problems]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status."""
    return run_load_benchmark("rest", __doc__.splitlines()[0], benchmark, argv)


if __name__ == "__main__":
    sys.exit(main())
