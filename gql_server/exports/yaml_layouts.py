"""YAML exports: a block sequence of test-case records (LAVA master's key order, the
metadata in its stored order) or of suite records; ``[]`` when there is nothing.

Each batch is dumped as a sequence of its own; consecutive block sequences read as one,
so the chunks concatenate into the document a single dump would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import yaml

from gql_server.exports.fast_yaml import sequence_item
from gql_server.exports.records import case_record, suite_record
from gql_server.exports.render import render
from gql_server.exports.rows import CaseRow, SuiteRow

EMPTY = "[]\n"
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(records: list[Any]) -> str:
    """PyYAML's safe block-style dump, keys in the order given."""
    return yaml.dump(records, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def dump_items(records: list[dict[str, Any]]) -> str:
    """The same text as :func:`dump` of these mappings, written directly where
    :mod:`~gql_server.exports.fast_yaml` is sure of the result."""
    return "".join(sequence_item(record) or dump([record]) for record in records)


class _Sequence:
    """Records dumped batch by batch; ``[]`` when no batch held any."""

    def __init__(self) -> None:
        self.empty = True

    def opening(self) -> str:
        return ""

    def records(self, records: list[dict[str, Any]]) -> str:
        if not records:
            return ""
        self.empty = False
        return dump_items(records)

    def closing(self) -> str:
        return EMPTY if self.empty else ""


class CasesYaml(_Sequence):
    """One record per test case."""

    def rows(self, batch: Sequence[CaseRow]) -> str:
        return self.records([case_record(row) for row in batch])


class SuitesYaml(_Sequence):
    """One record per suite."""

    def rows(self, batch: Sequence[SuiteRow]) -> str:
        return self.records([suite_record(row) for row in batch])


def cases_yaml(rows: Iterable[CaseRow]) -> Iterator[str]:
    """The YAML list of these test cases, in chunks."""
    return render(CasesYaml(), rows)


def suites_yaml(rows: Iterable[SuiteRow]) -> Iterator[str]:
    """The YAML list of these suites, in chunks."""
    return render(SuitesYaml(), rows)
