"""CSV exports against the rows results-formats.md §3 shows."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from gql_server.exports.csv_layouts import CasesCsv, cases_csv, suites_csv
from gql_server.exports.render import render
from gql_server.exports.rows import CaseRow, SuiteRow

HEADER = (
    '"job","suite","result","measurement","unit","duration","timeout","logged","level",'
    '"metadata","url","name","id","log_start_line","log_end_line"\r\n'
)
VALIDATE = CaseRow(
    id=1,
    name="validate",
    job_id=13,
    suite_id=1,
    suite="lava",
    result=0,
    measurement=Decimal("20.28"),
    units="seconds",
    metadata=(
        "case: validate\ndefinition: lava\nduration: '20.28'\nlevel: '1.1'\n"
        "namespace: common\nresult: pass\n"
    ),
    start_log_line=None,
    end_log_line=None,
    logged="2022-07-01 00:45:13.355000+00:00",
)
PERF = CaseRow(
    id=81,
    name="perf-metric-00",
    job_id=13,
    suite_id=4,
    suite="3_perf",
    result=0,
    measurement=Decimal("341.0852"),
    units="ms",
    metadata=(
        "case: perf-metric-00\ndefinition: 3_perf\nmeasurement: '341.0852'\nresult: pass\n"
        "units: ms\n"
    ),
    start_log_line=206,
    end_log_line=207,
    logged="2022-07-01 00:46:44.605000+00:00",
)


def test_rows_observed_on_lava():
    text = "".join(cases_csv([VALIDATE, PERF]))
    assert text == (
        HEADER
        + '"13","lava","pass","20.28","seconds","","","2022-07-01 00:45:13.355000+00:00","1.1",'
        "\"{'case': 'validate', 'definition': 'lava', 'duration': '20.28', 'level': '1.1', "
        "'namespace': 'common', 'result': 'pass'}\",\"/results/testcase/1\",\"validate\",\"1\","
        '"",""\r\n'
        + '"13","3_perf","pass","341.0852","ms","","","2022-07-01 00:46:44.605000+00:00","",'
        "\"{'case': 'perf-metric-00', 'definition': '3_perf', 'measurement': '341.0852', "
        "'result': 'pass', 'units': 'ms'}\",\"/results/testcase/81\",\"perf-metric-00\",\"81\","
        '"206","207"\r\n'
    )


def test_no_results_give_the_header_only():
    assert "".join(cases_csv([])) == HEADER


def test_metadata_values_as_python_writes_them():
    row = dataclasses.replace(PERF, metadata="case: x\nmeasurement: 3.2\nunits: GHz\n")
    line = "".join(cases_csv([row])).split("\r\n")[1]
    assert "\"{'case': 'x', 'measurement': 3.2, 'units': 'GHz'}\"" in line


def test_quotes_inside_fields_are_doubled():
    row = dataclasses.replace(PERF, name='say "hi", then go')
    assert '"say ""hi"", then go"' in "".join(cases_csv([row]))


def test_a_batch_with_an_odd_field_is_written_as_the_csv_writer_writes_it():
    odd = [
        dataclasses.replace(PERF, id=2, name='say "hi"'),  # a quote: doubled
        dataclasses.replace(PERF, id=3, metadata="level: 3\n"),  # a level that is a number
        dataclasses.replace(PERF, id=4, metadata="level: null\n"),  # None: written empty
    ]
    for row in odd:
        lines = "".join(cases_csv([VALIDATE, row, PERF])).split("\r\n")
        assert lines[1:4:2] == "".join(cases_csv([VALIDATE, PERF])).split("\r\n")[1:3]
        expected = {2: '"say ""hi"""', 3: '"3","{\'level\': 3}"', 4: '"","{\'level\': None}"'}
        assert expected[row.id] in lines[2]


def test_minimal_quoting_for_the_streamed_job_export():
    text = "".join(cases_csv([PERF], quote_all=False))
    assert text.startswith("job,suite,result,measurement,unit,duration,timeout,logged,")
    assert "\r\n13,3_perf,pass,341.0852,ms,,,2022-07-01 00:46:44.605000+00:00,," in text


def test_chunks_do_not_depend_on_batching():
    rows = [dataclasses.replace(PERF, id=n) for n in range(1, 8)]
    whole = "".join(cases_csv(rows))
    assert "".join(render(CasesCsv(), rows, size=3)) == whole
    assert len(list(render(CasesCsv(), rows, size=3))) == 1 + 3  # header, then one per batch


def test_suites_list():
    rows = [SuiteRow(1, 13, "lava"), SuiteRow(2, 13, "0_smoke-tests")]
    assert "".join(suites_csv(rows)) == (
        '"name","job","id"\r\n"lava","13","1"\r\n"0_smoke-tests","13","2"\r\n'
    )
