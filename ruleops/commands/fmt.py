"""`ruleops fmt [--check] PATH...`: write rule files in the canonical layout.

The layout is described in `ruleops.formatting`. Files are replaced atomically (written
beside, then renamed), so an interrupted run never leaves half a rule behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruleops.commands import add_config_argument, config_and_paths
from ruleops.diagnostics import printable
from ruleops.discovery import discover
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from ruleops.files import display_path, real_path
from ruleops.fixing import WriteError, remove_stale_temporaries, replace_if_unchanged, write_diff
from ruleops.formatting import FormatError, format_text
from ruleops.loading import read_bytes, text_of


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fmt", help="write rule files in one canonical layout")
    p.add_argument(
        "paths", nargs="*", type=Path, help="rule files or folders (default: rule_paths)"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; show the diff and exit 1 when a file is not formatted",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="change nothing; print only the diff (exit 1 when a file is not formatted)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print no progress or summary")
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="hold the files named to the same tests as a folder's (exclude, not-rule "
        "files and folders); the pre-commit hook passes it",
    )
    add_config_argument(p)
    p.set_defaults(run=run)


_BOM = "\ufeff".encode()


def run(args: argparse.Namespace) -> int:
    config, paths = config_and_paths(args)
    fixture_roots = [(config.root / p).resolve() for p in config.fixture_paths]
    changed = failed = total = 0
    dry_run = args.check or args.diff

    def say(message: str) -> None:
        if not args.quiet and not args.diff:
            print(message, file=sys.stderr)

    for path in discover(paths, config, force_exclude=args.force_exclude):
        if any(real_path(path).is_relative_to(root) for root in fixture_roots):
            continue  # fixtures are not rules; their layout is their author's
        total += 1
        shown = printable(display_path(path))
        raw, problem = read_bytes(path, shown)
        text, problem = text_of(raw, shown) if raw is not None else (None, problem)
        if text is None or raw is None:
            assert problem is not None
            print(f"{shown}:{problem.line}:{problem.column}: {problem.message}", file=sys.stderr)
            failed += 1
            continue
        try:
            formatted = format_text(text)
        except FormatError as error:
            print(f"{shown}:{error.line}:{error.column}: {error.message}", file=sys.stderr)
            failed += 1
            continue
        if not dry_run:
            remove_stale_temporaries(path)
        if not formatted.changed:
            continue
        if dry_run:
            changed += 1
            write_diff(sys.stdout, shown, text, formatted.text, "formatted")
            if args.check:
                say(f"would reformat {shown}")
            continue
        bom = _BOM if raw.startswith(_BOM) else b""
        try:
            replace_if_unchanged(path, raw, bom + formatted.text.encode("utf-8"))
        except WriteError as error:
            print(f"{shown}: {error}", file=sys.stderr)
            failed += 1
            continue
        changed += 1
        say(f"reformatted {shown}")
    verb = "would be reformatted" if dry_run else "reformatted"
    say(
        f"{total} file{'s' if total != 1 else ''}: {changed} {verb}, "
        f"{total - changed - failed} already formatted"
        + (f", {failed} could not be formatted or written" if failed else "")
    )
    if failed:
        return EXIT_USAGE
    return EXIT_FINDINGS if dry_run and changed else EXIT_OK
