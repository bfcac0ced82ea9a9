"""The export record of a test case, as results-formats.md §2 describes it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.dialects import sqlite

from gql_server.db.types import UTCDateTime
from gql_server.exports.records import (
    case_record,
    parse_metadata,
    stored_time_text,
    stored_time_texts,
    suite_record,
    time_text,
)
from gql_server.exports.rows import CaseRow, SuiteRow

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


def test_record_keys_values_and_order():
    record = case_record(VALIDATE)
    assert list(record) == [
        "name", "job", "suite", "result", "measurement", "unit", "level", "url", "id",
        "logged", "log_start_line", "log_end_line", "metadata",
    ]  # fmt: skip
    assert record == {
        "name": "validate",
        "job": "13",
        "suite": "lava",
        "result": "pass",
        "measurement": "20.28",
        "unit": "seconds",
        "level": "1.1",
        "url": "/results/testcase/1",
        "id": "1",
        "logged": "2022-07-01 00:45:13.355000+00:00",
        "log_start_line": "",
        "log_end_line": "",
        "metadata": {
            "case": "validate",
            "definition": "lava",
            "duration": "20.28",
            "level": "1.1",
            "namespace": "common",
            "result": "pass",
        },
    }


def test_missing_values():
    row = CaseRow(
        id=812, name="linux-posix-pwd", job_id=42, suite_id=2, suite="0_smoke-tests", result=1,
        measurement=None, units="", metadata=None, start_log_line=0, end_log_line=388,
        logged="2023-01-10 10:34:56+00:00",
    )  # fmt: skip
    record = case_record(row)
    assert record["measurement"] == "None" and record["level"] == "" and record["metadata"] == {}
    assert (record["log_start_line"], record["log_end_line"]) == ("", "388")
    assert record["result"] == "fail"


def test_time_text_is_utc_without_a_fraction_when_zero():
    local = dt.datetime(2023, 1, 10, 12, 34, 56, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert time_text(local) == "2023-01-10 10:34:56+00:00"
    assert time_text(local.replace(microsecond=5)) == "2023-01-10 10:34:56.000005+00:00"


@pytest.mark.parametrize(
    "stored",
    [
        "2023-01-10 10:34:56.000000", "2023-01-10 10:34:56", "2023-01-10 10:34:56.123456",
        "2023-01-10 10:34:56.000100", "2023-01-10T10:34:56.123456", "2023-01-10 10:34:56.12",
        "2023-01-10",
    ],
)  # fmt: skip
def test_stored_times_read_as_through_the_column_type(stored):
    # SQLite's text, rewritten or parsed, reads as the UTC datetime the column gives
    through_type = UTCDateTime().process_result_value(
        sqlite.DATETIME().result_processor(sqlite.dialect(), None)(stored), sqlite.dialect()
    )
    assert stored_time_text(stored) == time_text(through_type)
    assert stored_time_text(through_type) == time_text(through_type)  # PostgreSQL's datetime
    for batch in ([stored], [stored, "2023-01-10 10:34:56.000000"], [through_type] * 2, []):
        assert stored_time_texts(batch) == [stored_time_text(value) for value in batch]


def test_measurement_keeps_its_stored_scale():
    for stored in ("341.0852", "20.2800000000", "5"):
        row = dataclasses.replace(VALIDATE, measurement=Decimal(stored))
        assert case_record(row)["measurement"] == stored


def test_metadata_that_is_not_a_mapping_reads_as_empty():
    for text in ("", "- a\n- b\n", "key: [unclosed\n", "just text"):
        assert parse_metadata(text) == {}
    first, second = parse_metadata(""), parse_metadata("")
    assert first is not second  # each record gets its own mapping (no YAML aliases)


def test_suite_record():
    assert suite_record(SuiteRow(id=1, job_id=13, name="lava")) == {
        "id": "1",
        "job": "13",
        "name": "lava",
    }


def _outcome(read, value):
    try:
        return read(value)
    except ValueError as error:
        return type(error)


def test_odd_stored_times_are_read_as_the_column_type_reads_them():
    two_in_one = "2023-01-10 10:34:56.123456\n2023-01-10 10:34:56.123456"
    other_digits = "2023-01-10 10:34:56.12345\u0661"  # an ARABIC-INDIC DIGIT ONE
    column = sqlite.DATETIME().result_processor(sqlite.dialect(), None)
    for odd in (two_in_one, other_digits):
        expected = _outcome(lambda v: [time_text(column(v).replace(tzinfo=dt.UTC))], odd)
        assert _outcome(stored_time_texts, [odd]) == expected
