"""Lines of a job log, as the TAP and JUnit exports quote them for failed cases."""

from __future__ import annotations

from collections.abc import Sequence

from gql_server.exports.rows import CaseRow


def log_lines(content: str | None) -> list[str]:
    """A job log (LAVA's ``output.yaml``) split into lines, each ending with a newline."""
    if not content:
        return []
    lines = content.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line + "\n" for line in lines]


def case_log(row: CaseRow, lines: Sequence[str]) -> list[str]:
    """The log lines of a case: from its start line (included) to its end line (excluded);
    none when either is unknown."""
    if row.start_log_line is None or row.end_log_line is None:
        return []
    return list(lines[row.start_log_line : row.end_log_line])
