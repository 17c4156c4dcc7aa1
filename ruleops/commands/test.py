"""`ruleops test PATH...`: run the fixture cases of rules (or of fixture files) and report."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import TextIO

from ruleops.checks import load_all_checks
from ruleops.commands import add_config_argument, config_and_paths
from ruleops.diagnostics import Severity
from ruleops.engine import finalize
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, exit_status
from ruleops.fixing import replace_atomically
from ruleops.fixtures.codes import CASE_FAILED, MISSING
from ruleops.fixtures.suite import run_paths
from ruleops.report.json_report import diagnostic_json
from ruleops.report.junit import write_junit

JSON_VERSION = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run rule fixtures: events each rule must and must not match")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="rule files, fixture files, or folders of either (default: [tool.ruleops] rule_paths)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument("-q", "--quiet", action="store_true", help="text: show failures only")
    p.add_argument(
        "--junit",
        dest="junit_file",
        type=Path,
        metavar="FILE",
        help="also write a JUnit XML report to FILE: one test case per fixture case",
    )
    add_config_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config, paths = config_and_paths(args)
    load_all_checks()
    suite = run_paths(paths, config)
    suite.diagnostics = finalize(suite.diagnostics, config)
    if args.format == "json":
        write_json(suite, sys.stdout)
    else:
        write_text(suite, sys.stdout, quiet=args.quiet)
    if args.junit_file is not None:
        write_junit_file(suite, args.junit_file)
    status = exit_status(suite.diagnostics, Severity.ERROR)
    return status or (EXIT_FINDINGS if suite.failed else EXIT_OK)


def document(suite) -> dict:
    return {
        "version": JSON_VERSION,
        "cases": [result.as_json() for result in suite.results],
        "diagnostics": [diagnostic_json(d) for d in suite.diagnostics],
        "summary": {
            "cases": len(suite.results),
            "passed": suite.passed,
            "failed": suite.failed,
            "rules": suite.rules,
            "fixtures": suite.fixtures,
            "rules_without_fixture": suite.without_fixture,
        },
    }


def write_json(suite, out: TextIO) -> None:
    json.dump(document(suite), out, indent=2)
    out.write("\n")


def findings(suite) -> list:
    """The diagnostics a report lists besides the cases: a failed case is shown as its case,
    and rules without a fixture are counted, not listed."""
    return [d for d in suite.diagnostics if d.code not in (CASE_FAILED.code, MISSING.code)]


def write_junit_file(suite, target: Path) -> None:
    """Suite `ruleops.fixtures`: one test case per fixture case; suite `ruleops.check`: the
    other findings (a fixture that does not load), when there are any."""
    out = io.BytesIO()
    write_junit(findings(suite), [], out, cases=suite.results)
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(target, out.getvalue())


def write_text(suite, out: TextIO, *, quiet: bool = False) -> None:
    for result in suite.results:
        if result.passed and quiet:
            continue
        mark = "PASS" if result.passed else "FAIL"
        out.write(f"{mark} {result.rule} :: {result.case}  ({result.path}:{result.line})\n")
        if not result.passed:
            for line in result.explanation.splitlines():
                out.write(f"    {line}\n")
    for d in findings(suite):
        out.write(d.headline() + "\n")
        if d.hint:
            out.write(f"    hint: {d.hint}\n")
    without = suite.without_fixture
    warnings = sum(1 for d in suite.diagnostics if d.severity == Severity.WARNING)
    out.write(
        f"{len(suite.results)} case{'s' if len(suite.results) != 1 else ''}: "
        f"{suite.passed} passed, {suite.failed} failed"
        + (f"; {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")
        + (
            f"; {without} rule{'s' if without != 1 else ''} without a fixture "
            "(`ruleops check` lists them as RO502)"
            if without
            else ""
        )
        + "\n"
    )
