"""`ruleops test PATH...`: run the fixture cases of rules (or of fixture files) and report."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from ruleops.checks import load_all_checks
from ruleops.commands import add_config_argument, config_and_paths
from ruleops.diagnostics import Severity
from ruleops.engine import finalize
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, exit_status
from ruleops.fixing import replace_atomically
from ruleops.fixtures.suite import run_paths
from ruleops.report import Report
from ruleops.report.cases import findings, write_json, write_text
from ruleops.report.junit import write_junit


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
    report = Report(
        diagnostics=finalize(suite.diagnostics, config),
        cases=suite.results,
        summary={
            "cases": len(suite.results),
            "passed": suite.passed,
            "failed": suite.failed,
            "rules": suite.rules,
            "fixtures": suite.fixtures,
            "rules_without_fixture": suite.without_fixture,
        },
    )
    if args.format == "json":
        write_json(report, sys.stdout)
    else:
        write_text(report, sys.stdout, quiet=args.quiet)
    if args.junit_file is not None:
        write_junit_file(report, args.junit_file)
    status = exit_status(report.diagnostics, Severity.ERROR)
    return status or (EXIT_FINDINGS if suite.failed else EXIT_OK)


def write_junit_file(report: Report, target: Path) -> None:
    """Suite `ruleops.fixtures`: one test case per fixture case; suite `ruleops.check`: the
    other findings (a fixture that does not load), when there are any."""
    out = io.BytesIO()
    write_junit(findings(report), [], out, cases=report.cases)
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(target, out.getvalue())
