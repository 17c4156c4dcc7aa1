"""Compiler-style text: `path:line:col: CODE message`, the line, and a caret."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ruleops.diagnostics import Diagnostic, Severity


def write_text(
    diagnostics: list[Diagnostic],
    files: int,
    out: TextIO,
    line_of: Callable[[str, int], str],
) -> None:
    for d in diagnostics:
        out.write(f"{d.path}:{d.line}:{d.column}: {d.code} {d.severity}: {d.message}\n")
        source = line_of(d.path, d.line)
        if source:
            width = max(1, (d.end_column or d.column + 1) - d.column)
            expanded = source.expandtabs(1)
            out.write(f"    {expanded}\n")
            out.write("    " + " " * (d.column - 1) + "^" + "~" * (width - 1) + "\n")
        if d.hint:
            out.write(f"    hint: {d.hint}\n")
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
