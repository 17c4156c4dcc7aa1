"""`ruleops check PATH...`: run every check on rule files and report."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from ruleops.changes import GitError, targets
from ruleops.checks.crossfile import unchecked_duplicates
from ruleops.checks.repository_fields import near_unchecked_fields, remember_fields
from ruleops.commands import add_config_argument, config_and_paths, load_configuration
from ruleops.diagnostics import Severity
from ruleops.engine import run_check
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, exit_status
from ruleops.report import Report
from ruleops.report.outputs import add_report_arguments, write_reports
from ruleops.report.terminal import progress_line
from ruleops.selection import SelectionError, add_selection_arguments, configured
from ruleops.versioning import selection_check


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check rule files (schema, ATT&CK, queries, fixtures)")
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="rule files or folders (default: [tool.ruleops] rule_paths); '-' reads one "
        "rule from standard input",
    )
    add_report_arguments(p)
    add_selection_arguments(p)
    p.add_argument("--strict", action="store_true", help="warnings fail the run too")
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when findings fail the run (2 still means ruleops itself failed)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="findings only: no summary, no progress",
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="rewrite what has an automatic fix (ATT&CK names, references, revoked ids)",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; print the diff --fix would make (exit 1 when there is one)",
    )
    p.add_argument(
        "--stdin-filename",
        type=Path,
        metavar="PATH",
        help="the path of the rule read from '-' (shown in findings, used to find its "
        "fixture); without it the rule is not compared with the repository's for duplicate "
        "ids and names, since it may be one of them",
    )
    p.add_argument(
        "--changed-since",
        metavar="REF",
        help="only rules changed since REF (merge base with HEAD) and rules whose fixtures changed",
    )
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="hold the files named to the same tests as a folder's (exclude, not-rule "
        "files and folders); the pre-commit hook passes it",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file again instead of reusing findings from the cache",
    )
    add_config_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    stdin = None
    if [str(p) for p in args.paths] == ["-"]:
        stdin = sys.stdin.read()
        args.paths = [args.stdin_filename or Path("<stdin>")]
        config = load_configuration(args)
        paths = args.paths
    else:
        if any(str(p) == "-" for p in args.paths):
            raise UsageError("'-' (standard input) is the only path when given")
        config, paths = config_and_paths(args)
    try:
        config = configured(config, args)
    except SelectionError as error:
        raise UsageError(str(error)) from None
    try:
        paths, selection = targets(paths, config, args.changed_since)
    except GitError as error:
        print(f"ruleops: {error}", file=sys.stderr)
        return EXIT_USAGE
    extra = []
    if selection is not None:
        extra.append(selection_check(selection))
    if selection is not None or stdin is not None or any(p.is_file() for p in paths):
        # Only part of the repository is loaded: compare ids and names with the rest too,
        # but for a buffer with no --stdin-filename, which may be any of them (as ruff reads
        # unnamed standard input as a file outside the project).
        if stdin is None or args.stdin_filename is not None:
            extra.append(unchecked_duplicates(config, selection.rules if selection else ()))
        extra.append(near_unchecked_fields(config, selection.rules if selection else ()))
    machine = args.format != "text" or args.diff
    progress = progress_line(sys.stderr, machine_output=machine, quiet=args.quiet)
    try:
        report = run_check(
            paths,
            config,
            extra_checks=extra,
            cache=not args.no_cache,
            stdin=stdin,
            progress=progress,
            force_exclude=args.force_exclude,
        )
    finally:
        if progress is not None:
            progress.close()
    if not args.no_cache and stdin is None:
        remember_fields(report.rules, config)
    if args.diff:
        return _diff(report)
    if args.fix:
        if stdin is not None:
            raise UsageError("--fix cannot write a rule read from standard input; use --diff")
        texts = {rule.path: rule.text for rule in report.rules}
        # tomlkit (~25 ms to import) only when files are rewritten.
        from ruleops.fixing import fix_diagnostics  # noqa: PLC0415 -- heavy: tomlkit

        report.diagnostics, problems = fix_diagnostics(report.diagnostics, texts)
        for problem in problems:
            print(f"ruleops: {problem}", file=sys.stderr)

    failing = Severity.WARNING if args.strict else Severity.ERROR
    write_reports(args, report, failing)
    if not args.quiet:
        for note in report.notes:
            print(f"ruleops: {note}", file=sys.stderr)
    status = exit_status(report.diagnostics, failing)
    return EXIT_OK if args.exit_zero and status == EXIT_FINDINGS else status


def _diff(report: Report) -> int:
    """`--diff`: the fixes as a diff on stdout, nothing written; 1 when there is one."""
    from ruleops.fixing import fix_diagnostics  # noqa: PLC0415 -- heavy: tomlkit

    texts = {rule.path: rule.text for rule in report.rules}
    out = io.StringIO()
    fixed, problems = fix_diagnostics(report.diagnostics, texts, diff=out)
    for problem in problems:
        print(f"ruleops: {problem}", file=sys.stderr)
    sys.stdout.write(out.getvalue())
    count = sum(1 for d in fixed if d.fixed)
    files = len({d.path for d in fixed if d.fixed})
    print(
        f"would fix {count} finding{'s' if count != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if out.getvalue() else EXIT_OK
