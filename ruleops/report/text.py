"""Compiler-style text: `path:line:col: CODE message`, the line, and a caret."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ruleops.diagnostics import Diagnostic, Severity, printable
from ruleops.files import Unreadable, read_file
from ruleops.loading import MAX_FILE_BYTES
from ruleops.report import Report
from ruleops.report.terminal import Paint, wants_colour


def write_report(report: Report, out: TextIO, failing: Severity, *, quiet: bool = False) -> None:
    """The text report: coloured where `out` is a terminal that wants it (report.terminal);
    `quiet`: the findings only, without the summary lines."""
    paint = Paint(wants_colour(out))
    line_of = source_line_reader(report.rules)
    write_text(report.diagnostics, report.files, out, line_of, paint=paint, summary=not quiet)
    coverage = report.summary.get("coverage")
    if coverage and not quiet:
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
    *,
    paint: Callable[[str, str], str] = lambda style, text: text,
    summary: bool = True,
) -> None:
    """Each finding with its source line, caret and hint. A finding repeated in a file (same
    code and message: twenty events of one fixture with one typo) gets the source and the
    hint once; the repeats are one line each, so every location is still listed. `paint`
    colours (see report.terminal); `summary` adds the closing count line."""
    seen: set[tuple[str, str, str]] = set()
    for d in diagnostics:
        where = paint("bold", f"{printable(d.path)}:{d.line}:{d.column}:")
        label = paint(str(d.severity), f"{d.code} {d.severity}:")
        out.write(f"{where} {label} {printable(d.message)}\n")
        group = (d.path, d.code, d.message)
        if group in seen:
            continue
        seen.add(group)
        source = line_of(d.path, d.line)
        if source:
            width = max(1, (d.end_column or d.column + 1) - d.column)
            expanded = source.expandtabs(1)
            out.write(f"    {expanded}\n")
            caret = "^" + "~" * (width - 1)
            out.write("    " + " " * (d.column - 1) + paint("caret", caret) + "\n")
        if d.hint:
            out.write(f"    {paint('hint', 'hint:')} {printable(d.hint)}\n")
    if not summary:
        return
    errors = sum(1 for d in diagnostics if d.severity == Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity == Severity.WARNING)
    infos = len(diagnostics) - errors - warnings
    out.write(
        paint(
            "bold",
            f"{files} file{'s' if files != 1 else ''} checked: "
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}"
            + (f", {infos} info" if infos else ""),
        )
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
