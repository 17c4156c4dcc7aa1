"""The report options of `ruleops check`: one format on stdout, any others to files.

`--format text --sarif out.sarif --junit out.xml` writes all three from one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ruleops import __version__
from ruleops.checks import load_all_checks
from ruleops.diagnostics import Severity

FORMATS = ("text", "json", "sarif", "junit", "github")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="format written to stdout (default: text)"
    )
    for name, what in (("sarif", "SARIF 2.1.0"), ("junit", "JUnit XML"), ("json", "JSON")):
        parser.add_argument(
            f"--{name}",
            dest=f"{name}_file",
            type=Path,
            metavar="FILE",
            help=f"also write a {what} report to FILE",
        )


def write_reports(args: argparse.Namespace, result: Any, failing: Severity) -> None:
    """Write the stdout report and every report file asked for, from one RunResult."""
    _write(args.format, result, failing, sys.stdout)
    for name in ("sarif", "junit", "json"):
        target = getattr(args, f"{name}_file", None)
        if target is not None:
            _atomic(target, name == "junit", lambda out, n=name: _write(n, result, failing, out))


def _write(name: str, result: Any, failing: Severity, out: IO[Any]) -> None:
    # Each format's reporter is imported when that format is written: a run writes one or two.
    registry = load_all_checks()  # every reporter names codes
    diagnostics = result.diagnostics
    if name == "json":
        from ruleops.report.json_report import write_json  # noqa: PLC0415 -- per format

        write_json(diagnostics, result.files, out, **getattr(result, "summary", {}))
    elif name == "sarif":
        from ruleops.report.sarif import write_sarif  # noqa: PLC0415 -- per format

        write_sarif(diagnostics, registry, out, tool_version=__version__)
    elif name == "junit":
        from ruleops.report.junit import write_junit  # noqa: PLC0415 -- per format

        files = {rule.path for rule in result.rules}
        files |= {d.path for d in diagnostics if not d.path.startswith("<")}
        binary = out.buffer if hasattr(out, "buffer") else out
        write_junit(diagnostics, files, binary, failing=failing)
        if binary is not out:
            binary.flush()
    elif name == "github":
        from ruleops.report.github import write_github  # noqa: PLC0415 -- per format

        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as summary:
                write_github(diagnostics, result.files, out, summary)
        else:
            write_github(diagnostics, result.files, out)
    else:
        from ruleops.report.text import source_line_reader, write_text  # noqa: PLC0415 -- per format

        write_text(diagnostics, result.files, out, source_line_reader(result.rules))
        coverage = getattr(result, "summary", {}).get("coverage")
        if coverage:
            out.write(
                f"fixture coverage: {coverage['exercised']} of {coverage['parts']} `or` "
                f"branches and exclusions exercised ({coverage['percent']}%) in "
                f"{coverage['rules']} rule{'s' if coverage['rules'] != 1 else ''} with fixtures\n"
            )


def _atomic(target: Path, binary: bool, write: Callable[[IO[Any]], None]) -> None:
    """Write `target` through a temporary file so a reader never sees half a report."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(
            fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})
        ) as out:
            write(out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
