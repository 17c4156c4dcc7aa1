"""Compiler-style text: `path:line:col: CODE message`, the line, and a caret."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ruleops.diagnostics import Diagnostic, Severity, printable
from ruleops.files import Unreadable, read_file
from ruleops.loading import MAX_FILE_BYTES
from ruleops.report import Report


def write_report(report: Report, out: TextIO, failing: Severity) -> None:
    write_text(report.diagnostics, report.files, out, source_line_reader(report.rules))
    coverage = report.summary.get("coverage")
    if coverage:
        out.write(
            f"fixture coverage: {coverage['exercised']} of {coverage['parts']} `or` "
            f"branches and exclusions exercised ({coverage['percent']}%) in "
            f"{coverage['rules']} rule{'s' if coverage['rules'] != 1 else ''} with fixtures\n"
        )


def write_text(
    diagnostics: list[Diagnostic],
    files: int,
    out: TextIO,
    line_of: Callable[[str, int], str],
) -> None:
    for d in diagnostics:
        out.write(d.headline() + "\n")
        source = line_of(d.path, d.line)
        if source:
            width = max(1, (d.end_column or d.column + 1) - d.column)
            expanded = source.expandtabs(1)
            out.write(f"    {expanded}\n")
            out.write("    " + " " * (d.column - 1) + "^" + "~" * (width - 1) + "\n")
        if d.hint:
            out.write(f"    hint: {printable(d.hint)}\n")
    errors = sum(1 for d in diagnostics if d.severity == Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity == Severity.WARNING)
    infos = len(diagnostics) - errors - warnings
    out.write(
        f"{files} file{'s' if files != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
        + (f", {infos} info" if infos else "")
        + "\n"
    )


def source_line_reader(rules: Iterable) -> Callable[[str, int], str]:
    """`line_of(path, line)` for `write_text`: loaded rules' text, else the file on disk.

    Files that failed to load (a TOML syntax error) still get their line shown.
    """
    texts = {rule.path: rule.text for rule in rules}
    cache: dict[str, list[str]] = {}

    def line_of(path: str, line: int) -> str:
        if path not in cache:
            text = texts.get(path)
            if text is None:
                try:
                    raw = read_file(Path(path), MAX_FILE_BYTES)
                except Unreadable:
                    raw = b""
                text = raw.decode("utf-8", errors="replace")
            cache[path] = text.splitlines()
        lines = cache[path]
        if not 0 < line <= len(lines) or "\x00" in lines[line - 1]:
            return ""
        return lines[line - 1]

    return line_of
