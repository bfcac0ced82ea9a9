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


def statements_for(lab, first: int, token: str | None) -> int:
    """Statements for one page, with the lab's shared caches warm: the fewer of two runs.

    The grants behind visibility are cached for up to a second; a run that happens to
    reload them costs their two statements more, whatever the page size.
    """
    counts = []
    for _ in range(2):
        data = lab.client.execute(NESTED_PAGE, {"first": first}, token=token)
        assert len(data["jobs"]["nodes"]) == first
        counts.append(lab.client.last_statements)
    return min(counts)


def test_nested_page_costs_the_same_for_10_and_100_jobs(lab):
    token = lab.tokens["vis-admin"]
    statements_for(
        lab, 1, token
    )  # authentication records the token's last use at most once a minute
    small, large = statements_for(lab, 10, token), statements_for(lab, 100, token)
    assert large == small
    assert large <= 16


def test_anonymous_nested_page_is_constant_too(lab):
    assert statements_for(lab, 5, None) == statements_for(lab, 100, None)
