"""The number of SQL statements per request does not grow with the page size."""

from __future__ import annotations

NESTED_PAGE = """
query ($first: Int!) {
  jobs(first: $first, filter: {states: [FINISHED], healthCheck: false}) {
    totalCount
    nodes {
      id state health
      device { hostname deviceType { name } worker { hostname } tags { name } }
      requestedDeviceType { name }
      submitter { username }
      tags { name }
      resultCounts { passed failed total }
      suites { name resultCounts { total } }
    }
  }
}
"""


def statements_for(lab, first: int) -> int:
    data = lab.client.execute(NESTED_PAGE, {"first": first}, token=lab.tokens["vis-admin"])
    assert len(data["jobs"]["nodes"]) == first
    return lab.client.last_statements


def test_nested_page_costs_the_same_for_10_and_100_jobs(lab):
    statements_for(lab, 1)  # authentication records the token's last use at most once a minute
    small, large = statements_for(lab, 10), statements_for(lab, 100)
    assert large == small
    assert large <= 16


def test_anonymous_nested_page_is_constant_too(lab):
    counts = set()
    for first in (5, 100):
        lab.client.execute(NESTED_PAGE, {"first": first})
        counts.add(lab.client.last_statements)
    assert len(counts) == 1
