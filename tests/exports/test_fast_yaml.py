"""The YAML shortcuts write and read exactly what PyYAML does, wherever they answer."""

from __future__ import annotations

import itertools

import pytest
import yaml

from gql_server.exports.fast_yaml import load_flat_mapping, scalar, sequence_item
from gql_server.exports.yaml_layouts import dump

PIECES = (
    "a", "Z", "case", "pass", "yes", "No", "on", "OFF", "y", "null", "Null", "~", "None", "true",
    "1", "0", "012", "0x1F", "0b11", "1_000", "1.5", ".5", "1e3", "1.0e+3", ".inf", ".NaN",
    "2022-07-01", "2022-07-01 00:45:13.355000+00:00", "12:30", "190:20:30", "-", "+", ".", "/",
    ":", " ", "  ", "_", "<<", "=", "#", " #", "'", '"', "\\", "é", "\t", "...", "---", "?", "!",
    "&", "*", "%", "@", "`", ",", "[", "{", "|", ">", "x" * 70,
)  # fmt: skip


def candidates() -> list[str]:
    texts = {"", *PIECES}
    for count in (2, 3):
        for combination in itertools.product(PIECES[: 36 if count == 2 else 16], repeat=count):
            texts.add("".join(combination))
    texts |= {f"{a} {b}" for a, b in itertools.product(PIECES, repeat=2)}
    texts |= {f"{a}:{b}" for a, b in itertools.product(PIECES, repeat=2)}
    texts |= {f"{a}: {b}" for a, b in itertools.product(PIECES[:20], repeat=2)}
    return sorted(texts)


CANDIDATES = candidates()


def test_scalars_are_written_as_pyyaml_writes_them():
    answered = 0
    for text in CANDIDATES:
        for value in (text, {"nested": text}):
            written = sequence_item({"key": value, "other": "x"})
            if written is not None:
                answered += 1
                assert written == dump([{"key": value, "other": "x"}]), repr(text)
    assert answered > len(CANDIDATES) // 2  # the common shapes are answered directly


@pytest.mark.parametrize("value", [None, True, False, 0, -7, 10**20, "", {}, "3_perf"])
def test_other_values(value):
    assert sequence_item({"k": value}) == dump([{"k": value}])


def test_unsure_values_are_left_to_pyyaml():
    for value in (1.5, [1], "é", "a: b", "x" * 90, "trailing ", "#tag", "-5", "..."):
        assert scalar(value) is None or sequence_item({"k": value}) is None, value


def test_flat_documents_read_as_pyyaml_reads_them():
    answered = 0
    for text in CANDIDATES:
        for document in (f"key: {text}\n", yaml.dump({"key": text, "case": "x"})):
            try:
                expected = yaml.safe_load(document)
            except yaml.YAMLError:
                expected = None
            loaded = load_flat_mapping(document)
            if loaded is not None:
                answered += 1
                assert loaded == expected, repr(document)
    assert answered > len(CANDIDATES) // 2


def test_metadata_as_lava_stores_it():
    text = (
        "case: perf-metric-00\ndefinition: 3_perf\nmeasurement: '341.0852'\nresult: pass\n"
        "units: ms\n"
    )
    assert load_flat_mapping(text) == yaml.safe_load(text)
    assert load_flat_mapping("measurement: 3.2\n") is None  # a float: PyYAML decides
    assert load_flat_mapping("on: x\n") is None  # a key that reads as a boolean
