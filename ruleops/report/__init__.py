"""Reporters: each turns one `Report` into one output format.

A `Report` is what a run found: `ruleops check` fills it from the pipeline
(`ruleops.engine`), `ruleops test` from the fixture cases it ran. Each output format is a
module here with `write_report(report, out, failing)`; `ruleops.report.outputs` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ruleops.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from ruleops.fixtures.model import CaseResult
    from ruleops.loading import Rule


@dataclass
class Report:
    files: int = 0  # rule files looked at
    rules: list[Rule] = field(default_factory=list)  # the ones that loaded
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)  # extra figures (fixture coverage)
    cases: list[CaseResult] = field(default_factory=list)  # the fixture cases that ran
    notes: list[str] = field(default_factory=list)  # said once, on stderr (ruleops.styles)

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)
