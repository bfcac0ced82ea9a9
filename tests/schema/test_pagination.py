"""Relay connections: walking every page forwards and backwards, in every order."""

from __future__ import annotations

import pytest

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $order: JobOrderBy!,
       $direction: Direction!) {
  jobs(first: $first, after: $after, last: $last, before: $before, orderBy: $order,
       direction: $direction) {
    totalCount
    edges { cursor node { id submitTime startTime endTime } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ORDERS = [
    ("ID", "DESC", "id"),
    ("ID", "ASC", "id"),
    ("SUBMIT_TIME", "DESC", "submitTime"),
    ("START_TIME", "ASC", "startTime"),
    ("END_TIME", "DESC", "endTime"),
]


def walk(lab, order: str, direction: str, forwards: bool, size: int) -> list[dict]:
    token = lab.tokens["vis-admin"]
    seen: list[dict] = []
    cursor = None
    while True:
        variables = {"order": order, "direction": direction}
        if forwards:
            variables.update(first=size, after=cursor)
        else:
            variables.update(last=size, before=cursor)
        connection = lab.client.execute(PAGE, variables, token=token)["jobs"]
        nodes = [edge["node"] for edge in connection["edges"]]
        assert len(nodes) <= size
        info = connection["pageInfo"]
        if forwards:
            seen.extend(nodes)
            more, cursor = info["hasNextPage"], info["endCursor"]
        else:
            seen[:0] = nodes
            more, cursor = info["hasPreviousPage"], info["startCursor"]
        if not more:
            return seen


def sort_key(field: str, descending: bool):
    def key(node: dict):
        value = node[field]
        missing = value is None
        # NULLs come last in either direction; ids break ties in the same direction.
        return (
            (missing, value or "", node["id"])
            if not descending
            else (missing, _invert(value or ""), -node["id"])
        )

    return key


def _invert(text):
    if isinstance(text, int):
        return -text
    return tuple(-ord(ch) for ch in text)


@pytest.mark.parametrize(("order", "direction", "field"), ORDERS)
def test_walk_covers_every_job_once_in_order(lab, order, direction, field):
    total = lab.client.execute("{ jobs { totalCount } }", token=lab.tokens["vis-admin"])["jobs"][
        "totalCount"
    ]
    forwards = walk(lab, order, direction, forwards=True, size=97)
    backwards = walk(lab, order, direction, forwards=False, size=89)
    ids = [n["id"] for n in forwards]
    assert len(ids) == len(set(ids)) == total
    assert [n["id"] for n in backwards] == ids
    assert forwards == sorted(forwards, key=sort_key(field, direction == "DESC"))


def test_default_page_is_fifty_newest_first(lab):
    data = lab.client.execute("{ jobs { nodes { id } pageInfo { hasNextPage hasPreviousPage } } }")
    ids = [n["id"] for n in data["jobs"]["nodes"]]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert data["jobs"]["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}


@pytest.mark.parametrize("arguments", ["first: 101", "last: 101", "first: -1", "first: 5, last: 5"])
def test_page_size_is_bounded(lab, arguments):
    errors = lab.client.errors(f"{{ jobs({arguments}) {{ nodes {{ id }} }} }}")
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("cursor", ["zzz", "WzFd", "WyJ4IiwgMV0", "", "bnVsbA"])
def test_foreign_cursors_are_refused(lab, cursor):
    errors = lab.client.errors(
        "query ($c: String) { jobs(after: $c, orderBy: SUBMIT_TIME) { nodes { id } } }",
        {"c": cursor},
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in errors[0]["message"]
