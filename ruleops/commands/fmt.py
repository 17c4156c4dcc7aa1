"""`ruleops fmt [--check] PATH...`: write rule files in the canonical layout.

The layout is described in `ruleops.formatting`. Files are replaced atomically (written
beside, then renamed), so an interrupted run never leaves half a rule behind.

`ruleops fmt -` formats the rule read from standard input to standard output and writes no
file (format-on-save in an editor); `--stdin-filename` names it, as for `check -`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ruleops.commands import add_config_argument, config_and_paths, load_configuration
from ruleops.config import Config
from ruleops.diagnostics import Diagnostic, printable
from ruleops.discovery import discover, why_not_a_rule
from ruleops.exits import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from ruleops.files import display_path, real_path
from ruleops.fixing import WriteError, remove_stale_temporaries, replace_if_unchanged, write_diff
from ruleops.formatting import FormatError, Formatted, format_text
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
        "--stdin-filename",
        type=Path,
        metavar="PATH",
        help="the path of the rule read from '-' (shown in messages; a fixture, or with "
        "--force-exclude a file a folder walk leaves out, is written back unchanged)",
    )
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
    if [str(p) for p in args.paths] == ["-"]:
        return _format_stdin(args)
    if any(str(p) == "-" for p in args.paths):
        raise UsageError("'-' (standard input) is the only path when given")
    config, paths = config_and_paths(args)
    fixture_roots = _fixture_roots(config)
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
        formatted = _formatted(raw, problem, shown)
        if formatted is None or raw is None:
            failed += 1
            continue
        if not dry_run:
            remove_stale_temporaries(path)
        if not formatted.changed:
            continue
        if dry_run:
            changed += 1
            write_diff(sys.stdout, shown, formatted.original, formatted.text, "formatted")
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


def _fixture_roots(config: Config) -> list[Path]:
    return [(config.root / p).resolve() for p in config.fixture_paths]


def _formatted(raw: bytes | None, problem: Diagnostic | None, shown: str) -> Formatted | None:
    """The file read as `raw` formatted, or None once what stops it is printed."""
    text, problem = text_of(raw, shown) if raw is not None else (None, problem)
    if text is None:
        assert problem is not None
        print(f"{shown}:{problem.line}:{problem.column}: {problem.message}", file=sys.stderr)
        return None
    try:
        return format_text(text)
    except FormatError as error:
        print(f"{shown}:{error.line}:{error.column}: {error.message}", file=sys.stderr)
        return None


def _format_stdin(args: argparse.Namespace) -> int:
    """`fmt -`: the rule on standard input, formatted, to standard output; no file is
    written. A buffer that cannot be formatted prints nothing there (an editor keeps its
    text) and exits 2."""
    config = load_configuration(args)
    name = args.stdin_filename
    shown = printable(str(name)) if name else "<stdin>"
    raw = sys.stdin.buffer.read()
    if name and (
        any(real_path(name).is_relative_to(r) for r in _fixture_roots(config))
        or (args.force_exclude and why_not_a_rule(name, config, raw.decode("utf-8", "replace")))
    ):
        if not (args.check or args.diff):
            sys.stdout.buffer.write(raw)  # left as written, as fmt leaves such a file
        return EXIT_OK
    formatted = _formatted(raw, None, shown)
    if formatted is None:
        return EXIT_USAGE
    if args.check or args.diff:
        write_diff(sys.stdout, shown, formatted.original, formatted.text, "formatted")
        return EXIT_FINDINGS if formatted.changed else EXIT_OK
    bom = _BOM if raw.startswith(_BOM) else b""
    sys.stdout.buffer.write(bom + formatted.text.encode("utf-8"))
    return EXIT_OK
