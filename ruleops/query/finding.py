"""What a query check finds: one code, a message, the span of the query text, a hint.

Every query front end and query check reports this one type: the EQL verifier, the field
checks shared by EQL and KQL, the KQL pitfalls, and (through `QuerySyntaxError.finding`)
the parsers. `Rule.query_diagnostic` places it on the rule file's line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ruleops.diagnostics import CheckInfo, Severity
from ruleops.query.ast import Span


@dataclass(frozen=True)
class QueryFinding:
    info: CheckInfo
    message: str
    span: Span  # of the offending text, in the query string
    hint: str | None = None

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def severity(self) -> Severity:
        return self.info.severity


def distinct(findings: Iterable[QueryFinding]) -> Iterator[QueryFinding]:
    """The findings without repeats: a sub-condition shared by two branches is one mistake."""
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        key = (finding.code, finding.span.start, finding.message)
        if key not in seen:
            seen.add(key)
            yield finding
