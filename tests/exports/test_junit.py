"""JUnit XML export against results-formats.md §5."""

from __future__ import annotations

import dataclasses
import datetime as dt
import xml.dom.minidom

import pytest

from gql_server.exports.junit import junit, xml_text
from gql_server.exports.logs import log_lines
from gql_server.exports.rows import CaseRow, SuiteRow

ENDED = dt.datetime(2022, 7, 1, 0, 56, 2, tzinfo=dt.UTC)
LOGGED = "2022-07-01 00:45:13.355000+00:00"
LAVA = SuiteRow(id=1, job_id=13, name="lava")
FOO = CaseRow(
    id=1, name="foo", job_id=13, suite_id=1, suite="lava", result=1, measurement=None,
    units="", metadata=None, start_log_line=None, end_log_line=None, logged=LOGGED,
)  # fmt: skip
BAR = dataclasses.replace(FOO, id=2, name="bar", result=0)


def test_lavas_own_two_case_example():
    text = "".join(junit([LAVA], [FOO, BAR], ENDED))
    assert text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<testsuites disabled="0" errors="0" failures="1" tests="2" time="0.0">\n'
        '\t<testsuite disabled="0" errors="0" failures="1" name="lava" skipped="0" tests="2"'
        ' time="0" timestamp="2022-07-01T00:56:02+00:00">\n'
        '\t\t<testcase name="foo" timestamp="2022-07-01T00:45:13.355000+00:00"'
        ' classname="lava">\n'
        '\t\t\t<failure type="failure" message="failed"/>\n'
        "\t\t</testcase>\n"
        '\t\t<testcase name="bar" timestamp="2022-07-01T00:45:13.355000+00:00"'
        ' classname="lava"/>\n'
        "\t</testsuite>\n"
        "</testsuites>\n"
    )
    prefixed = "".join(junit([LAVA], [FOO, BAR], ENDED, classname_prefix="unique_id"))
    classes = {
        case.getAttribute("classname")
        for case in xml.dom.minidom.parseString(prefixed).getElementsByTagName("testcase")
    }
    assert classes == {"unique_id_lava"}


def test_a_job_without_suites():
    assert "".join(junit([], [], None)) == '<?xml version="1.0" encoding="utf-8"?>\n<testsuites/>\n'


def test_durations_skips_empty_suites_and_failure_logs():
    validate = dataclasses.replace(
        BAR, name="validate", metadata="case: validate\nduration: '20.28'\n"
    )
    deploy = dataclasses.replace(BAR, id=3, name="deploy", metadata="duration: '557.61'\n")
    smoke, empty = SuiteRow(2, 13, "0_smoke"), SuiteRow(3, 13, "1_empty")
    failed = dataclasses.replace(
        FOO, id=4, suite_id=2, suite="0_smoke", start_log_line=0, end_log_line=2
    )
    skipped = dataclasses.replace(FOO, id=5, suite_id=2, suite="0_smoke", result=2)
    log = log_lines('- {"msg": "a < b & c"}\n- {"msg": "two"}\n- {"msg": "three"}\n')
    text = "".join(junit([LAVA, smoke, empty], [validate, deploy, failed, skipped], ENDED, log))
    lines = text.splitlines()
    assert lines[1] == '<testsuites disabled="0" errors="0" failures="1" tests="4" time="577.89">'
    assert lines[2].startswith('\t<testsuite disabled="0" errors="0" failures="0" name="lava"'
                               ' skipped="0" tests="2" time="577.89" ')  # fmt: skip
    assert lines[3] == (
        '\t\t<testcase name="validate" time="20.280000"'
        ' timestamp="2022-07-01T00:45:13.355000+00:00" classname="lava"/>'
    )
    assert (
        '\t\t\t<failure type="failure" message="failed">'
        "- {&quot;msg&quot;: &quot;a &lt; b &amp; c&quot;}\n"
        "- {&quot;msg&quot;: &quot;two&quot;}\n</failure>\n"
    ) in text
    assert '\t\t\t<skipped type="skipped" message="skipped"/>\n' in text
    assert text.endswith(
        '\t<testsuite disabled="0" errors="0" failures="0" name="1_empty" skipped="0" tests="0"'
        ' time="0" timestamp="2022-07-01T00:56:02+00:00"/>\n</testsuites>\n'
    )
    xml.dom.minidom.parseString(text)  # well-formed


@pytest.mark.parametrize(
    "value", ["plain", "", 'a "quoted" <b> & c', "bell\x07, tab\t, cr\r", "\ud800x", "é ü", 3.5]
)
def test_xml_text_drops_illegal_characters_and_escapes_markup(value):
    legal = "".join(c for c in str(value) if c == "\t" or c == "\n" or c == "\r" or c >= " ")
    legal = "".join(c for c in legal if not "\ud800" <= c <= "\udfff")
    escaped = legal.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert xml_text(value) == escaped.replace('"', "&quot;")


def test_names_and_class_names_are_escaped():
    row = dataclasses.replace(FOO, name='a<"b">', suite="s&t", metadata="duration: '1.5'\n")
    text = "".join(junit([SuiteRow(1, 13, "s&t")], [row], ENDED, classname_prefix="p<"))
    assert '<testcase name="a&lt;&quot;b&quot;&gt;" time="1.500000"' in text
    assert 'classname="p&lt;_s&amp;t"' in text
