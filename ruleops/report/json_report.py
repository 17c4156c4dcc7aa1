"""One JSON document: `{"version": 1, "files": N, "diagnostics": [...], "summary": {...}}`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from ruleops.diagnostics import Diagnostic, Severity, printable
from ruleops.report import Report

FORMAT_VERSION = 1


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": d.code,
        "name": d.name,
        "severity": str(d.severity),
        "message": printable(d.message),
        "path": printable(d.path),
        "line": d.line,
        "column": d.column,
    }
    if d.end_column is not None:
        item["end_column"] = d.end_column
    if d.hint:
        item["hint"] = printable(d.hint)
    if d.fixed:
        item["fixed"] = True
    return item


def report_document(diagnostics: list[Diagnostic], files: int, **extra: Any) -> dict[str, Any]:
    by_severity = Counter(str(d.severity) for d in diagnostics)
    by_code = Counter(d.code for d in diagnostics)
    return {
        "version": FORMAT_VERSION,
        "files": files,
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
        "summary": {
            "errors": by_severity.get("error", 0),
            "warnings": by_severity.get("warning", 0),
            "info": by_severity.get("info", 0),
            "by_code": dict(sorted(by_code.items())),
            **extra,
        },
    }


def write_report(report: Report, out: TextIO, failing: Severity) -> None:
    write_json(report.diagnostics, report.files, out, **report.summary)


def write_json(diagnostics: list[Diagnostic], files: int, out: TextIO, **extra: Any) -> None:
    json.dump(report_document(diagnostics, files, **extra), out, indent=2)
    out.write("\n")
