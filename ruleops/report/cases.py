"""The output formats of `ruleops test`: the fixture cases that ran, then the other findings.

Text: a PASS or FAIL line per case (a failure with its explanation), the findings, a count.
JSON: `{"version": 1, "cases": [...], "diagnostics": [...], "summary": {...}}`.
"""

from __future__ import annotations

import json
from typing import TextIO

from ruleops.diagnostics import Diagnostic, Severity
from ruleops.fixtures.codes import CASE_FAILED, MISSING
from ruleops.report import Report
from ruleops.report.json_report import diagnostic_json

JSON_VERSION = 1


def findings(report: Report) -> list[Diagnostic]:
    """The diagnostics a report lists besides the cases: a failed case is shown as its case,
    and rules without a fixture are counted, not listed."""
    return [d for d in report.diagnostics if d.code not in (CASE_FAILED.code, MISSING.code)]


def document(report: Report) -> dict[str, object]:
    return {
        "version": JSON_VERSION,
        "cases": [result.as_json() for result in report.cases],
        "diagnostics": [diagnostic_json(d) for d in report.diagnostics],
        "summary": report.summary,
    }


def write_json(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2)
    out.write("\n")


def write_text(report: Report, out: TextIO, *, quiet: bool = False) -> None:
    for result in report.cases:
        if result.passed and quiet:
            continue
        mark = "PASS" if result.passed else "FAIL"
        out.write(f"{mark} {result.rule} :: {result.case}  ({result.path}:{result.line})\n")
        if not result.passed:
            for line in result.explanation.splitlines():
                out.write(f"    {line}\n")
    for d in findings(report):
        out.write(d.headline() + "\n")
        if d.hint:
            out.write(f"    hint: {d.hint}\n")
    summary = report.summary
    cases, without = summary["cases"], summary["rules_without_fixture"]
    warnings = report.count(Severity.WARNING)
    out.write(
        f"{cases} case{'s' if cases != 1 else ''}: "
        f"{summary['passed']} passed, {summary['failed']} failed"
        + (f"; {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")
        + (
            f"; {without} rule{'s' if without != 1 else ''} without a fixture "
            "(`ruleops check` lists them as RO502)"
            if without
            else ""
        )
        + "\n"
    )
