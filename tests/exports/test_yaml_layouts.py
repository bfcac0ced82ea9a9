"""YAML exports against results-formats.md §4 (with LAVA master's key order)."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import yaml

from gql_server.exports.render import collect, render_batches
from gql_server.exports.rows import CaseRow, SuiteRow
from gql_server.exports.yaml_layouts import CasesYaml, cases_yaml, suites_yaml

PWD = CaseRow(
    id=812,
    name="linux-posix-pwd",
    job_id=42,
    suite_id=2,
    suite="0_smoke-tests",
    result=1,
    measurement=None,
    units="",
    metadata="case: linux-posix-pwd\ndefinition: 0_smoke-tests\nresult: fail\n",
    start_log_line=385,
    end_log_line=388,
    logged="2023-01-10 12:34:56.123456+00:00",
)
PWD_TEXT = """\
- name: linux-posix-pwd
  job: '42'
  suite: 0_smoke-tests
  result: fail
  measurement: None
  unit: ''
  level: ''
  url: /results/testcase/812
  id: '812'
  logged: '2023-01-10 12:34:56.123456+00:00'
  log_start_line: '385'
  log_end_line: '388'
  metadata:
    case: linux-posix-pwd
    definition: 0_smoke-tests
    result: fail
"""


def test_the_spec_record():
    assert "".join(cases_yaml([PWD])) == PWD_TEXT


def test_the_spec_record_reads_back_as_the_same_mapping():
    (record,) = yaml.safe_load(PWD_TEXT)
    assert record == {
        "id": "812", "job": "42", "level": "", "log_end_line": "388", "log_start_line": "385",
        "logged": "2023-01-10 12:34:56.123456+00:00", "measurement": "None",
        "metadata": {"case": "linux-posix-pwd", "definition": "0_smoke-tests", "result": "fail"},
        "name": "linux-posix-pwd", "result": "fail", "suite": "0_smoke-tests", "unit": "",
        "url": "/results/testcase/812",
    }  # fmt: skip


def test_metadata_keeps_its_stored_order_and_types():
    row = dataclasses.replace(
        PWD, measurement=Decimal("3.2"), units="GHz",
        metadata="result: pass\ncase: freq\nmeasurement: 3.2\nunits: GHz\n",
    )  # fmt: skip
    text = "".join(cases_yaml([row]))
    assert "  measurement: '3.2'\n  unit: GHz\n" in text
    assert text.endswith("  metadata:\n    result: pass\n    case: freq\n"
                         "    measurement: 3.2\n    units: GHz\n")  # fmt: skip


def test_nothing_gives_an_empty_list():
    assert "".join(cases_yaml([])) == "[]\n"
    assert "".join(suites_yaml([])) == "[]\n"


def test_batches_concatenate_into_one_sequence():
    rows = [dataclasses.replace(PWD, id=n, metadata=None) for n in range(1, 6)]
    whole = "".join(cases_yaml(rows))

    async def batches():
        for start in range(0, len(rows), 2):
            yield rows[start : start + 2]

    streamed = asyncio.run(collect(render_batches(CasesYaml(), batches())))
    assert streamed == whole
    assert [r["id"] for r in yaml.safe_load(streamed)] == ["1", "2", "3", "4", "5"]
    assert "&id" not in whole and "*id" not in whole  # no aliases between records


def test_suites_list_keys_sorted():
    text = "".join(suites_yaml([SuiteRow(1, 13, "lava")]))
    assert text == "- id: '1'\n  job: '13'\n  name: lava\n"
