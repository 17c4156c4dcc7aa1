"""GitHub Actions workflow commands: one annotation per finding, plus a step summary.

GitHub shows only ten annotations of each level per step (fifty per job) on a pull request,
so the complete list also goes to the step summary (`$GITHUB_STEP_SUMMARY`) as Markdown.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from ruleops.diagnostics import Diagnostic, Severity, printable
from ruleops.report import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

# Rows beyond this make the summary page slow to render; the annotations and the other
# reports still carry every finding.
MAX_SUMMARY_ROWS = 500


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    properties = []
    if not d.path.startswith("<"):
        properties += [f"file={_escape_property(d.path)}", f"line={d.line}", f"col={d.column}"]
        if d.end_column is not None and d.end_column > d.column:
            properties.append(f"endColumn={d.end_column}")
    properties.append(f"title={_escape_property(f'{d.code} {d.name}')}")
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    return f"::{_COMMAND[d.severity]} {','.join(properties)}::{_escape_data(message)}"


def write_annotations(diagnostics: Iterable[Diagnostic], out: TextIO) -> None:
    for d in diagnostics:
        out.write(annotation(d) + "\n")


def step_summary(diagnostics: list[Diagnostic], files: int) -> str:
    counts = Counter(d.severity for d in diagnostics)
    lines = [
        "## ruleops",
        "",
        f"{_count(files, 'file')} checked: {_count(counts[Severity.ERROR], 'error')}, "
        f"{_count(counts[Severity.WARNING], 'warning')}, {counts[Severity.INFO]} info.",
    ]
    if not diagnostics:
        return "\n".join(lines) + "\n"
    by_code = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    lines += ["", "| code | name | findings |", "| --- | --- | ---: |"]
    lines += [f"| {code} | {names[code]} | {n} |" for code, n in sorted(by_code.items())]
    lines += ["", "| severity | location | code | message |", "| --- | --- | --- | --- |"]
    for d in diagnostics[:MAX_SUMMARY_ROWS]:
        lines.append(
            f"| {d.severity} | `{printable(d.path)}:{d.line}:{d.column}` | {d.code} "
            f"| {_cell(d.message)} |"
        )
    if len(diagnostics) > MAX_SUMMARY_ROWS:
        lines += [
            "",
            f"… and {len(diagnostics) - MAX_SUMMARY_ROWS} more; see the SARIF or JSON report.",
        ]
    # A line right under a Markdown table would be read as one more row of it.
    lines += ["", "(`ruleops rule CODE` explains a code.)"]
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def write_report(report: Report, out: TextIO, failing: Severity) -> None:
    """Annotations on stdout; the step summary appended to $GITHUB_STEP_SUMMARY, if set."""
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as summary:
            write_github(report.diagnostics, report.files, out, summary)
    else:
        write_github(report.diagnostics, report.files, out)


def write_github(
    diagnostics: list[Diagnostic], files: int, out: TextIO, summary: TextIO | None = None
) -> None:
    write_annotations(diagnostics, out)
    if summary is not None:
        summary.write(step_summary(diagnostics, files))
