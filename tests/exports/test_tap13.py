"""TAP 13 export against results-formats.md §6."""

from __future__ import annotations

import dataclasses

from gql_server.exports.logs import log_lines
from gql_server.exports.rows import CaseRow
from gql_server.exports.tap13 import tap13

FOO = CaseRow(
    id=1, name="foo", job_id=5, suite_id=1, suite="lava", result=1, measurement=None, units="",
    metadata=None, start_log_line=None, end_log_line=None,
    logged="2022-07-01 00:00:00+00:00",
)  # fmt: skip
BAR = dataclasses.replace(FOO, id=2, name="bar", result=0)


def test_lavas_own_two_case_example():
    assert "".join(tap13([FOO, BAR])) == (
        "TAP version 13\n1..2\n# TAP results for lava\nnot ok 1 foo\nok 2 bar\n"
    )


def test_no_results():
    assert "".join(tap13([])) == "TAP version 13\n1..0\n"


def test_directives_numbering_across_suites_and_failure_logs():
    log = log_lines(
        '- {"dt": "2022-07-01T00:45:30.440000", "lvl": "info", "msg": "before"}\n'
        '- {"dt": "2022-07-01T00:45:30.449000", "lvl": "results", "msg": {"case": "c06"}}\n'
        '- {"dt": "2022-07-01T00:45:30.450000", "lvl": "info", "msg": "after"}\n'
    )
    smoke = dict(suite_id=2, suite="0_smoke-tests")
    rows = [
        FOO,
        dataclasses.replace(BAR, result=3),
        dataclasses.replace(FOO, id=3, name="c06", start_log_line=1, end_log_line=2, **smoke),
        dataclasses.replace(FOO, id=4, name="c12", result=2, **smoke),
    ]
    assert "".join(tap13(rows, log)).splitlines() == [
        "TAP version 13",
        "1..4",
        "# TAP results for lava",
        "not ok 1 foo",
        "not ok 2 bar # TODO unknown result",
        "# TAP results for 0_smoke-tests",
        "not ok 3 c06",
        " ---",
        ' - {"dt": "2022-07-01T00:45:30.449000", "lvl": "results", "msg": {"case": "c06"}}',
        " ...",
        "ok 4 c12 # SKIP test skipped",
    ]
