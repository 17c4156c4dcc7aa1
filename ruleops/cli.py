"""The `ruleops` command line. Each command lives in `ruleops.commands.<name>`.

Exit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage, configuration
or internal error (a check crashed: RO003).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ruleops import __version__

if TYPE_CHECKING:
    from ruleops.diagnostics import Diagnostic, Severity

# Order is the order of `ruleops --help`.
COMMANDS = ("check", "fmt", "test", "fixtures", "parse", "eval", "rule", "docs", "attack")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# ruleops itself failed: CI must tell "the rules are wrong" (1) from "the tool broke" (2).
EXIT_INTERNAL = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors; keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def exit_status(diagnostics: Iterable[Diagnostic], failing: Severity) -> int:
    """2 when a check crashed (RO003), else 1 when a finding is at `failing` or worse, else 0."""
    from ruleops.diagnostics import INTERNAL_ERROR

    worst = None
    for d in diagnostics:
        if d.code == INTERNAL_ERROR.code:
            return EXIT_INTERNAL
        worst = d.severity if worst is None else max(worst, d.severity)
    return EXIT_FINDINGS if worst is not None and worst >= failing else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ruleops",
        description="Lint and test Elastic detection rules kept as TOML files.",
    )
    parser.add_argument("--version", action="version", version=f"ruleops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"ruleops.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ruleops.commands import UsageError

    try:
        return int(args.run(args))
    except UsageError as error:
        for line in str(error).splitlines():
            print(f"ruleops: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
