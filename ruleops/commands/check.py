"""`ruleops check PATH...`: run every check on rule files and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruleops.changes import GitError, targets
from ruleops.checks.crossfile import unchecked_duplicates
from ruleops.checks.repository_fields import near_unchecked_fields, remember_fields
from ruleops.commands import add_config_argument, config_and_paths
from ruleops.diagnostics import Severity
from ruleops.engine import run_check
from ruleops.exits import EXIT_USAGE, exit_status
from ruleops.report.outputs import add_report_arguments, write_reports
from ruleops.versioning import selection_check


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check rule files (schema, ATT&CK, queries, fixtures)")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="rule files or folders (default: [tool.ruleops] rule_paths)",
    )

    add_report_arguments(p)
    p.add_argument("--strict", action="store_true", help="warnings fail the run too")
    p.add_argument(
        "--fix",
        action="store_true",
        help="rewrite what has an automatic fix (ATT&CK names, references, revoked ids)",
    )
    p.add_argument(
        "--changed-since",
        metavar="REF",
        help="only rules changed since REF (merge base with HEAD) and rules whose fixtures changed",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file again instead of reusing findings from the cache",
    )
    add_config_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config, paths = config_and_paths(args)

    try:
        paths, selection = targets(paths, config, args.changed_since)
    except GitError as error:
        print(f"ruleops: {error}", file=sys.stderr)
        return EXIT_USAGE
    extra = []
    if selection is not None:
        extra.append(selection_check(selection))
    if selection is not None or any(p.is_file() for p in paths):
        # Only part of the repository is loaded: compare ids and names with the rest too.
        extra.append(unchecked_duplicates(config, selection.rules if selection else ()))
        extra.append(near_unchecked_fields(config, selection.rules if selection else ()))
    result = run_check(paths, config, extra_checks=extra, cache=not args.no_cache)
    if not args.no_cache:
        remember_fields(result.rules, config)
    if args.fix:
        texts = {rule.path: rule.text for rule in result.rules}
        # tomlkit (~25 ms to import) only when files are rewritten.
        from ruleops.fixing import fix_diagnostics  # noqa: PLC0415 -- heavy: tomlkit

        result.diagnostics, problems = fix_diagnostics(result.diagnostics, texts)
        for problem in problems:
            print(f"ruleops: {problem}", file=sys.stderr)

    failing = Severity.WARNING if args.strict else Severity.ERROR
    write_reports(args, result, failing)
    for note in result.notes:
        print(f"ruleops: {note}", file=sys.stderr)
    return exit_status(result.diagnostics, failing)
