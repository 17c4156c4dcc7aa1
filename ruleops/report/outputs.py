"""The report options of `ruleops check`: one format on stdout, any others to files.

`--format text --sarif out.sarif --junit out.xml` writes all three from one run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ruleops.checks import load_all_checks
from ruleops.diagnostics import Severity
from ruleops.files import written_mode
from ruleops.report import Report

# Every output format, and the module (in ruleops.report) that writes it.
REPORTERS: dict[str, str] = {
    "text": "ruleops.report.text",
    "json": "ruleops.report.json_report",
    "sarif": "ruleops.report.sarif",
    "junit": "ruleops.report.junit",
    "github": "ruleops.report.github",
}
FORMATS = tuple(REPORTERS)


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


def write_reports(args: argparse.Namespace, report: Report, failing: Severity) -> None:
    """Write the stdout report and every report file asked for, from one Report. With
    `--quiet` the text report lists the findings only."""
    quiet = getattr(args, "quiet", False) and args.format == "text"
    write(args.format, report, failing, sys.stdout, **({"quiet": True} if quiet else {}))
    for name in ("sarif", "junit", "json"):
        target = getattr(args, f"{name}_file", None)
        if target is not None:

            def to_file(out: IO[Any], name: str = name) -> None:
                write(name, report, failing, out)

            _atomic(target, name == "junit", to_file)


def write(name: str, report: Report, failing: Severity, out: IO[Any], **options: Any) -> None:
    """`report` in the output format `name` (`options`: the format's own, such as the text
    report's `quiet`). A format's module is imported when that format is written: a run
    writes one or two."""
    if name != "text":
        # Every other format names the codes (`RO151 style.lookback-gap`): a run answered
        # from the cache has imported no module that declares them.
        load_all_checks()
    importlib.import_module(REPORTERS[name]).write_report(report, out, failing, **options)


def _atomic(target: Path, binary: bool, write: Callable[[IO[Any]], None]) -> None:
    """Write `target` through a temporary file so a reader never sees half a report."""
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = written_mode(target)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8") as out:
            write(out)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
